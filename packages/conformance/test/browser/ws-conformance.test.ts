import { startDevBroker } from '@tidings/devbroker'
import { mosquitto } from '@tidings/mosquitto'
import { WebSocket } from 'ws'
import { spawnMosquitto } from '../../src/fixtures/index.js'
import { websocket } from '@tidings/transport-ws'
import { describeConformance } from '../../src/suite.case.js'

// The shared behaviour suite over the WebSocket transport, with the `ws` package injected as Node's
// WebSocket: against Mosquitto's websockets listener (MQTT 5 and 3.1.1) and the devbroker's.
for (const protocolVersion of [5, 4] as const) {
  describeConformance(`mosquitto over ws, MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}`, async () => {
    const broker = await spawnMosquitto()
    const [user, password] = Object.entries(broker.users)[0]!
    const on = (pw: string) => mosquitto({ host: broker.host, port: broker.wsAuthPort, username: user, password: pw })
    return {
      capabilities: { retain: true, qos2: true, persistentSession: true },
      client: () => ({ broker: on(password), transport: websocket({ WebSocket }), protocolVersion }),
      badClient: () => ({ broker: on(`${password}-wrong`), transport: websocket({ WebSocket }), protocolVersion }),
      dropConnections: () => broker.restart(),
      teardown: () => broker.close(),
    }
  })
}

describeConformance('devbroker over ws, MQTT 3.1.1', async () => {
  const broker = await startDevBroker({ users: { ann: 'ann-pw' } })
  return {
    capabilities: { retain: true, qos2: true, persistentSession: true },
    client: () => ({
      broker: broker.profile({ username: 'ann', password: 'ann-pw' }),
      transport: websocket({ WebSocket }),
    }),
    badClient: () => ({
      broker: broker.profile({ username: 'ann', password: 'nope' }),
      transport: websocket({ WebSocket }),
    }),
    dropConnections: async () => broker.dropClients(),
    teardown: () => broker.close(),
  }
})
