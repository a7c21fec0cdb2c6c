import {
  createClient,
  genericBroker,
  text,
  topic,
  type StateInfo,
  type TidingsClient,
  type TidingsError,
} from '@tidings/core'
import { rabbitmq } from '@tidings/rabbitmq'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { rabbitmqUnavailable, spawnRabbitmq, type RabbitmqFixture } from '../../src/fixtures/rabbitmq.js'
import { waitUntil } from '../../src/suite.case.js'

// The client's own rules against a real RabbitMQ 3.10 node: the MQTT version it settles on when nothing
// pins one, unmatched messages, QoS 2 subscriptions. The node boots while the file loads (a boot takes longer than a hook may).
const unavailable = rabbitmqUnavailable()
const fixture: RabbitmqFixture | undefined = unavailable ? undefined : await spawnRabbitmq()
const run = Math.random().toString(36).slice(2, 7)

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
    const errors: TidingsError[] = []
    client.on('error', (error) => errors.push(error))
    return { client, online, errors }
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

  describe('unmatched messages on RabbitMQ', () => {
    it("a '.' in a level comes back as '/': the client reports UNMATCHED_MESSAGE instead of dropping it", async () => {
      const { client, errors } = make(genericBroker({ url, ...login }))
      await client.connect()
      const dotted = topic(`u${run}/ann.lee/inbox`, text(), { qos: 1 })
      const got: string[] = []
      await client.subscribe(dotted, {}, (v) => {
        got.push(v)
      })
      await client.publish(dotted, {}, 'private')
      await waitUntil(
        () => errors.length > 0,
        5000,
        () => 'no error event',
      )
      expect(errors.map((e) => [e.code, e.topic])).toEqual([['UNMATCHED_MESSAGE', `"u${run}/ann/lee/inbox"`]])
      expect(errors[0]!.message).not.toContain('private')
      expect(got).toEqual([])
    })
  })

  describe('QoS 2 subscriptions on RabbitMQ (it grants QoS 2 as QoS 1)', () => {
    it('the profile refuses a QoS 2 subscription; at QoS 1 messages flow', async () => {
      const { client } = make(rabbitmq({ host: node.host, port: node.mqttPort, ...login }))
      await client.connect()
      const orders = topic(`q${run}/orders/{id}`, text(), { qos: 2 })
      await expect(client.subscribe(orders, {}, () => {})).rejects.toMatchObject({ code: 'UNSUPPORTED' })
      const got: Array<[string, number]> = []
      await client.subscribe(
        orders,
        {},
        (v, meta) => {
          got.push([v, meta.qos])
        },
        { qos: 1 },
      )
      await client.publish(orders, { id: '1' }, 'paid', { qos: 1 })
      await waitUntil(
        () => got.length > 0,
        5000,
        () => 'nothing arrived',
      )
      expect(got).toEqual([['paid', 1]])
    })
  })
}
