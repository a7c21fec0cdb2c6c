import { bytes, createClient, isTidingsError, json, topic, type ClientState, type TidingsClient } from '@tidings/core'
import { emqx, jwtAuth } from '@tidings/emqx'
import { createEmqxApi, emqxServerPublisher, type EmqxApi } from '@tidings/emqx/server'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { pause, waitUntil } from '../../src/index.js'
import {
  startEmqxContractServer,
  startEmqxEmulator,
  type EmqxContractServer,
  type EmqxEmulator,
} from '../../src/emqx/index.js'

const apiKey = 'tidings-test-key'
const apiSecret = 'tidings-test-secret'
const alerts = topic('device/{deviceId}/alerts', json<{ level: number }>(), { qos: 1 })

let emu: EmqxEmulator
let v5: EmqxContractServer
let v4: EmqxContractServer
const clients: TidingsClient[] = []

beforeAll(async () => {
  emu = await startEmqxEmulator()
  ;[v5, v4] = await Promise.all([
    startEmqxContractServer({
      broker: emu.broker,
      emulation: emu.emulation,
      apiKey,
      apiSecret,
      maxPacketBytes: 4096,
      failDispatch: (t) => t === 'device/broken/alerts',
    }),
    startEmqxContractServer({ broker: emu.broker, emulation: emu.emulation, apiKey, apiSecret, apiVersion: 4 }),
  ])
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
})
afterAll(async () => {
  await Promise.all([v5?.close(), v4?.close()])
  await emu?.close()
})

/** A device on MQTT over TCP with its own JWT, subscribed to its alerts. */
async function device(
  deviceId: string,
): Promise<{ client: TidingsClient; got: Array<{ level: number }>; states: ClientState[] }> {
  const client = createClient({
    broker: emqx({
      host: '127.0.0.1',
      ports: { mqtt: emu.broker.tcpPort },
      credentials: jwtAuth({
        fetchToken: () =>
          emu.issuer.issue({ userId: deviceId, subscribe: [`device/${deviceId}/#`], publish: [], ttlSeconds: 600 }),
      }),
    }),
    transport: tcp(),
    protocolVersion: 4,
    reconnect: { baseMs: 50, capMs: 300 },
  })
  clients.push(client)
  const states: ClientState[] = []
  client.on('state', (s) => {
    states.push(s)
  })
  await client.connect()
  const got: Array<{ level: number }> = []
  await client.subscribe(alerts, { deviceId }, (a) => {
    got.push(a)
  })
  return { client, got, states }
}

async function codeOf(
  promise: Promise<unknown>,
): Promise<{ code: string; status?: number; reasonCode?: number } | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) =>
      isTidingsError(e)
        ? {
            code: e.code,
            ...(e.status !== undefined ? { status: e.status } : {}),
            ...(e.reasonCode !== undefined ? { reasonCode: e.reasonCode } : {}),
          }
        : { code: `not a TidingsError: ${String(e)}` },
  )
}

const api5 = (extra: Partial<Parameters<typeof createEmqxApi>[0]> = {}): EmqxApi =>
  createEmqxApi({ baseUrl: v5.baseUrl, apiKey, apiSecret, ...extra })

describe('createEmqxApi (v5) against the contract server', () => {
  test('a REST publish reaches a subscriber: 200 with an id', async () => {
    const d = await device('d1')
    const result = await api5().publish({ topic: 'device/d1/alerts', payload: JSON.stringify({ level: 3 }), qos: 1 })
    expect(result).toEqual({ id: expect.stringMatching(/^[0-9A-F]{32}$/), delivered: true })
    await waitUntil(() => d.got.length === 1, 5000)
    expect(d.got).toEqual([{ level: 3 }])
  })

  test('202 with no subscriber is a success with delivered: false, and the message is still retained', async () => {
    const result = await api5().publish({
      topic: 'device/d2/alerts',
      payload: JSON.stringify({ level: 9 }),
      qos: 1,
      retain: true,
    })
    expect(result).toEqual({ delivered: false })
    const d = await device('d2')
    await waitUntil(() => d.got.length === 1, 5000)
    expect(d.got).toEqual([{ level: 9 }])
    // Clear the retained message (an empty payload) once nobody decodes it as JSON any more.
    await d.client.close()
    expect(await api5().publish({ topic: 'device/d2/alerts', payload: '', retain: true })).toEqual({ delivered: false })
  })

  test('Uint8Array payloads travel base64 and arrive byte for byte', async () => {
    const raw = topic('device/{deviceId}/blob', bytes(), { qos: 1 })
    const d = await device('d3')
    const got: Uint8Array[] = []
    await d.client.subscribe(raw, { deviceId: 'd3' }, (b) => {
      got.push(b)
    })
    const payload = new Uint8Array([0, 255, 1, 254, 10, 13])
    const publisher = emqxServerPublisher(api5())
    expect(await publisher.publish('device/d3/blob', payload, { qos: 1 })).toMatchObject({ delivered: true })
    await waitUntil(() => got.length === 1, 5000)
    expect([...got[0]!]).toEqual([...payload])
  })

  test('bulk: split by bulkSize, results in order, 202 items not delivered', async () => {
    const d = await device('d4')
    const before = v5.requests.filter((r) => r === 'POST /api/v5/publish/bulk').length
    const messages = [1, 2, 3, 4, 5].map((level) => ({
      topic: level % 2 ? 'device/d4/alerts' : 'device/nobody/alerts',
      payload: JSON.stringify({ level }),
      qos: 1 as const,
    }))
    const results = await api5({ bulkSize: 2 }).publishBulk(messages)
    expect(results.map((r) => r.delivered)).toEqual([true, false, true, false, true])
    expect(v5.requests.filter((r) => r === 'POST /api/v5/publish/bulk').length - before).toBe(3)
    await waitUntil(() => d.got.length === 3, 5000)
    expect(d.got.map((a) => a.level)).toEqual([1, 3, 5])
  })

  test('an empty bulk is refused client-side and never sent', async () => {
    const before = v5.requests.length
    expect(await codeOf(api5().publishBulk([]))).toEqual({ code: 'INVALID_OPTIONS' })
    expect(v5.requests.length).toBe(before)
  })

  test('400 reason codes, 503 and 401 become TidingsError codes', async () => {
    expect(await codeOf(api5().publish({ topic: 'device/+/alerts', payload: 'x' }))).toEqual({
      code: 'INVALID_TOPIC',
      status: 400,
      reasonCode: 144,
    })
    expect(await codeOf(api5().publish({ topic: 'device/d5/alerts', payload: 'x'.repeat(5000) }))).toEqual({
      code: 'PAYLOAD_TOO_LARGE',
      status: 400,
      reasonCode: 151,
    })
    expect(await codeOf(api5().publish({ topic: 'device/broken/alerts', payload: 'x' }))).toEqual({
      code: 'API_UNAVAILABLE',
      status: 503,
      reasonCode: 131,
    })
    expect(await codeOf(api5({ apiSecret: 'wrong' }).publish({ topic: 'device/d5/alerts', payload: 'x' }))).toEqual({
      code: 'NOT_AUTHORIZED',
      status: 401,
    })
    // Bulk validation is all-or-nothing: one bad topic fails the batch and nothing is published.
    const d = await device('d5')
    const bad = [
      { topic: 'device/d5/alerts', payload: '{"level":1}' },
      { topic: 'device/#', payload: '{}' },
    ]
    expect(await codeOf(api5().publishBulk(bad))).toEqual({ code: 'INVALID_TOPIC', status: 400, reasonCode: 144 })
    await pause(100)
    expect(d.got).toEqual([])
    const unreachable = createEmqxApi({ baseUrl: 'http://127.0.0.1:9', apiKey, apiSecret })
    expect((await codeOf(unreachable.publish({ topic: 'a', payload: 'x' })))?.code).toBe('API_UNAVAILABLE')
  })

  test('clients and subscriptions: get (null on 404), list, subscribe and unsubscribe on behalf', async () => {
    const d = await device('d6')
    const id = d.client.clientId!
    const info = await api5().getClient(id)
    expect(info).toMatchObject({ clientid: id, username: 'd6', connected: true, proto_ver: 4 })
    expect(await api5().getClient('nobody-here')).toBeNull()
    const listed = await api5().listClients({ username: 'd6' })
    expect(listed.data.map((c) => c.clientid)).toEqual([id])
    expect(listed.meta).toMatchObject({ page: 1, hasnext: false, count: 1 })
    expect((await api5().listSubscriptions({ clientid: id })).data.map((s) => s.topic)).toEqual(['device/d6/alerts'])
    await api5().subscribeClient(id, { topic: 'device/d6/extra', qos: 1 })
    expect((await api5().listSubscriptions({ matchTopic: 'device/d6/extra' })).data).toMatchObject([
      { clientid: id, topic: 'device/d6/extra', qos: 1 },
    ])
    expect((await api5().publish({ topic: 'device/d6/extra', payload: 'x' })).delivered).toBe(true)
    await api5().unsubscribeClient(id, 'device/d6/extra')
    expect((await api5().publish({ topic: 'device/d6/extra', payload: 'x' })).delivered).toBe(false)
    expect(await codeOf(api5().subscribeClient('nobody-here', { topic: 'a' }))).toEqual({
      code: 'NOT_FOUND',
      status: 404,
    })
    expect(await api5().clearAuthzCache(id)).toBe(true)
    expect(await api5().clearAuthzCache('nobody-here')).toBe(false)
  })

  test('kick disconnects a real client (which reconnects with a fresh token); kickBulk several', async () => {
    const [a, b, c] = await Promise.all([device('d7'), device('d8'), device('d9')])
    expect(await api5().kick(a.client.clientId!)).toBe(true)
    await waitUntil(() => a.states.includes('reconnecting'), 5000)
    expect(await api5().kick('nobody-here')).toBe(false)
    await api5().kickBulk([b.client.clientId!, c.client.clientId!])
    await waitUntil(() => b.states.includes('reconnecting') && c.states.includes('reconnecting'), 5000)
    await waitUntil(() => [a, b, c].every((x) => x.client.state === 'online'), 10_000)
  })
})

describe('createEmqxApi (v4) against the contract server', () => {
  const api4 = (): EmqxApi => createEmqxApi({ baseUrl: v4.baseUrl, apiKey, apiSecret, apiVersion: 4 })

  test('publish, bulk, clients and kick with /api/v4 shapes and numeric codes', async () => {
    const d = await device('e1')
    expect(await api4().publish({ topic: 'device/e1/alerts', payload: '{"level":1}', qos: 1 })).toEqual({})
    expect(
      await api4().publishBulk([{ topic: 'device/e1/alerts', payload: new TextEncoder().encode('{"level":2}') }]),
    ).toEqual([{}])
    await waitUntil(() => d.got.length === 2, 5000)
    expect(d.got.map((a) => a.level)).toEqual([1, 2])
    expect(v4.requests).toContain('POST /api/v4/mqtt/publish')
    expect(await codeOf(api4().publish({ topic: 'device/+/alerts', payload: 'x' }))).toEqual({
      code: 'INVALID_TOPIC',
      status: 400,
    })
    expect(await api4().getClient(d.client.clientId!)).toMatchObject({ clientid: d.client.clientId, connected: true })
    expect(await api4().getClient('nobody-here')).toBeNull()
    expect((await api4().listClients({ clientid: d.client.clientId! })).data).toHaveLength(1)
    await api4().subscribeClient(d.client.clientId!, { topic: 'device/e1/extra', qos: 1 })
    expect((await api4().listSubscriptions({ clientid: d.client.clientId! })).data.map((s) => s.topic).sort()).toEqual([
      'device/e1/alerts',
      'device/e1/extra',
    ])
    await api4().unsubscribeClient(d.client.clientId!, 'device/e1/extra')
    expect((await api4().listSubscriptions({ clientid: d.client.clientId! })).data.map((s) => s.topic)).toEqual([
      'device/e1/alerts',
    ])
    expect(await codeOf(api4().subscribeClient('nobody-here', { topic: 'a' }))).toEqual({
      code: 'NOT_FOUND',
      status: 404,
    })
    expect(await api4().clearAuthzCache(d.client.clientId!)).toBe(true)
    expect(await api4().kick('nobody-here')).toBe(false)
    expect(await api4().kick(d.client.clientId!)).toBe(true)
    await waitUntil(() => d.states.includes('reconnecting'), 5000)
  })
})
