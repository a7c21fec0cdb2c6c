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
    return {
      capabilities: { retain: true, qos2: true },
      client: () => ({ broker: mosquitto({ host: broker.host, port: broker.wsPort }), transport: websocket({ WebSocket }), protocolVersion }),
      badClient: { reason: "the fixture's websockets listener is anonymous: it has no credentials to refuse" },
      dropConnections: () => broker.restart(),
      teardown: () => broker.close(),
    }
  })
}

describeConformance('devbroker over ws, MQTT 3.1.1', async () => {
  const broker = await startDevBroker({ users: { ann: 'ann-pw' } })
  return {
    capabilities: { retain: true, qos2: true },
    client: () => ({ broker: broker.profile({ username: 'ann', password: 'ann-pw' }), transport: websocket({ WebSocket }) }),
    badClient: () => ({ broker: broker.profile({ username: 'ann', password: 'nope' }), transport: websocket({ WebSocket }) }),
    dropConnections: async () => broker.dropClients(),
    teardown: () => broker.close(),
  }
})
