import { createClient, genericBroker, type StateInfo, type TidingsClient } from '@tidings/core'
import { rabbitmq } from '@tidings/rabbitmq'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { rabbitmqUnavailable, spawnRabbitmq, type RabbitmqFixture } from '../../src/fixtures/rabbitmq.js'

// The client's own rules against a real RabbitMQ 3.10 node: the MQTT version it settles on when nothing
// pins one. The node boots while the file loads (a boot takes longer than a hook may).
const unavailable = rabbitmqUnavailable()
const fixture: RabbitmqFixture | undefined = unavailable ? undefined : await spawnRabbitmq()

const clients: TidingsClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
})
afterAll(async () => {
  await fixture?.close()
})

if (!fixture) {
  it.skip(`rabbitmq client rules: ${unavailable}`, () => {})
} else {
  const node = fixture.nodes[0]!
  const login = { username: fixture.username, password: fixture.password }
  const url = `mqtt://127.0.0.1:${node.mqttPort}`
  const make = (broker: ReturnType<typeof genericBroker>) => {
    const client = createClient({ broker, transport: tcp(), reconnect: { baseMs: 50, capMs: 200 } })
    clients.push(client)
    const online: StateInfo[] = []
    client.on('state', (state, info) => state === 'online' && online.push(info))
    return { client, online }
  }

  describe('protocol negotiation on RabbitMQ 3.10 (it closes the socket on an MQTT 5 CONNECT)', () => {
    it('a generic profile falls back to 3.1.1', async () => {
      const { client, online } = make(genericBroker({ url, ...login }))
      await client.connect()
      expect(online.map((info) => info.protocolVersion)).toEqual([4])
    })

    it('a node declared 3.13 that is older falls back too; one declared 3.10 never tries 5', async () => {
      for (const version of ['3.13', '3.10']) {
        const { client, online } = make(rabbitmq({ host: node.host, port: node.mqttPort, version, ...login }))
        await client.connect()
        expect(online.map((info) => info.protocolVersion)).toEqual([4])
      }
    })

    it('refused credentials stay NOT_AUTHORIZED after the fallback', async () => {
      const { client } = make(genericBroker({ url, username: login.username, password: 'wrong' }))
      await expect(client.connect()).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' })
    })

    it('a pinned MQTT 5 is refused', async () => {
      const { client } = make(genericBroker({ url, ...login, protocolVersion: 5 }))
      await expect(client.connect()).rejects.toMatchObject({ code: 'CONNECTION_REFUSED' })
    })
  })
}
