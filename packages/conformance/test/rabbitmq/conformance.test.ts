import { rabbitmq } from '@tidings/rabbitmq'
import { tcp } from '@tidings/transport-node'
import { websocket } from '@tidings/transport-ws'
import { it } from 'vitest'
import { WebSocket } from 'ws'
import { rabbitmqUnavailable, spawnRabbitmq, type RabbitmqFixture } from '../../src/fixtures/rabbitmq.js'
import { describeConformance } from '../../src/suite.case.js'

// The shared suite against a real RabbitMQ 3.10 node (MQTT 3.1.1, pinned by the profile), over TCP and over
// Web MQTT. One node serves both runs. It boots while the file loads: a boot takes longer than a hook may.
const unavailable = rabbitmqUnavailable()
const fixture: RabbitmqFixture | undefined = unavailable ? undefined : await spawnRabbitmq()

let open = 2
const release = async (): Promise<void> => {
  if (--open === 0) await fixture?.close()
}

if (!fixture) {
  it.skip(`rabbitmq conformance: ${unavailable}`, () => {})
} else {
  const node = fixture.nodes[0]!
  for (const scheme of ['tcp', 'ws'] as const) {
    describeConformance(`rabbitmq 3.10 over ${scheme}, MQTT 3.1.1`, async () => {
      const port = scheme === 'tcp' ? node.mqttPort : node.wsPort
      const transport = () => (scheme === 'tcp' ? tcp() : websocket({ WebSocket }))
      const on = (password: string) =>
        rabbitmq({ host: node.host, port, username: fixture.username, password, version: '3.10' })
      return {
        capabilities: { retain: true, qos2: false },
        client: () => ({ broker: on(fixture.password), transport: transport() }),
        badClient:
          scheme === 'tcp'
            ? () => ({ broker: on(`${fixture.password}-wrong`), transport: transport() })
            : {
                reason:
                  'RabbitMQ Web MQTT refuses credentials by closing the WebSocket (1002 "unauthenticated") without ' +
                  'a CONNACK, which a client cannot tell from a dropped connection',
              },
        dropConnections: () => node.closeConnections(),
        teardown: release,
      }
    })
  }
}
