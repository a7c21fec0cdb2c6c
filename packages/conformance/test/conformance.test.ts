import { startDevBroker } from '@tidings/devbroker'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { spawnMosquitto } from '../src/fixtures/index.js'
import { describeConformance } from '../src/suite.case.js'

// The shared suite against the brokers that run here for real: a spawned Mosquitto (MQTT 5 and 3.1.1)
// and the embedded devbroker. Other targets (WebSocket, mini-program, EMQX and Aliyun emulators) run
// the same suite from their own test files.
for (const protocolVersion of [5, 4] as const) {
  describeConformance(`mosquitto over tcp, MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}`, async () => {
    const broker = await spawnMosquitto()
    const users = Object.entries(broker.users)
    return {
      capabilities: { retain: true, qos2: true, persistentSession: true },
      client: () => {
        const [user, password] = users[0]!
        return {
          broker: mosquitto({ host: broker.host, port: broker.authPort, username: user, password }),
          transport: tcp(),
          protocolVersion,
        }
      },
      badClient: () => ({
        broker: mosquitto({ host: broker.host, port: broker.authPort, username: 'alice', password: 'wrong' }),
        transport: tcp(),
        protocolVersion,
      }),
      dropConnections: () => broker.restart(),
      teardown: () => broker.close(),
    }
  })
}

describeConformance('devbroker over tcp, MQTT 3.1.1', async () => {
  const broker = await startDevBroker({ users: { ann: 'ann-pw' } })
  return {
    capabilities: { retain: true, qos2: true, persistentSession: true },
    client: () => ({ broker: broker.profile({ username: 'ann', password: 'ann-pw' }), transport: tcp() }),
    badClient: () => ({ broker: broker.profile({ username: 'ann', password: 'nope' }), transport: tcp() }),
    dropConnections: async () => broker.dropClients(),
    teardown: () => broker.close(),
  }
})
