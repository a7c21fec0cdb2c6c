import { rabbitmq } from '@tidings/rabbitmq'
import { tcp } from '@tidings/transport-node'
import { websocket } from '@tidings/transport-ws'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { rabbitmqUnavailable, spawnRabbitmq, type RabbitmqFixture } from '../../src/fixtures/rabbitmq.js'
import { describeConformance } from '../../src/suite.case.js'
import { assertBuilt, runCli, startCli } from '../cli/run-cli.js'

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

  // The built `tidings` command on the same node: `--broker rabbitmq` brings the profile's rules along.
  describe('tidings --broker rabbitmq', () => {
    const flags = (port: number) => [
      '--broker',
      'rabbitmq',
      '--url',
      `mqtt://127.0.0.1:${port}`,
      '-u',
      fixture.username,
    ]
    const env = { TIDINGS_PASSWORD: fixture.password }

    it('round trip, and a dotted topic or QoS 2 refused with the reason', async () => {
      assertBuilt()
      const sub = startCli(['sub', 'cli/{user}/inbox', ...flags(node.mqttPort), '-C', '1', '--jsonl', '-q', '1'], {
        env,
      })
      await sub.waitFor(/subscribed/, 'stderr')
      const pub = await runCli(['pub', 'cli/ann/inbox', 'hi', ...flags(node.mqttPort), '-q', '1'], { env })
      expect(pub.code, pub.stderr).toBe(0)
      const got = await sub.done
      expect(JSON.parse(got.stdout)).toMatchObject({ topic: 'cli/ann/inbox', payload: 'hi', params: { user: 'ann' } })

      const dotted = await runCli(['pub', 'cli/ann.lee/inbox', 'hi', ...flags(node.mqttPort)], { env })
      expect(dotted.code).toBe(1)
      expect(dotted.stderr).toMatch(/^error INVALID_TOPIC: .*level separator/m)
      const qos2 = await runCli(['sub', 'cli/x', ...flags(node.mqttPort), '-q', '2', '-W', '1'], { env })
      expect(qos2.code).toBe(1)
      expect(qos2.stderr).toMatch(/^error UNSUPPORTED: .*QoS 2/m)
    })
  })

  for (const scheme of ['tcp', 'ws'] as const) {
    describeConformance(`rabbitmq 3.10 over ${scheme}, MQTT 3.1.1`, async () => {
      const port = scheme === 'tcp' ? node.mqttPort : node.wsPort
      const transport = () => (scheme === 'tcp' ? tcp() : websocket({ WebSocket }))
      const on = (password: string) =>
        rabbitmq({ host: node.host, port, username: fixture.username, password, version: '3.10' })
      return {
        capabilities: { retain: true, qos2: false, persistentSession: true },
        client: () => ({ broker: on(fixture.password), transport: transport() }),
        // Over WebSocket RabbitMQ refuses credentials by closing with 1002 "unauthenticated" and no CONNACK;
        // the client reads that close as NOT_AUTHORIZED, as it reads the CONNACK refusal over TCP.
        badClient: () => ({ broker: on(`${fixture.password}-wrong`), transport: transport() }),
        dropConnections: () => node.closeConnections(),
        teardown: release,
      }
    })
  }
}
