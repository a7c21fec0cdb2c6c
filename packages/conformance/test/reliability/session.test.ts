import { createClient, json, topic, type ClientOptions, type TidingsClient } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'
import { startFaultProxy, type FaultProxy } from '../../src/fixtures/index.js'

// Persistent sessions against a real Mosquitto: messages published while the subscriber is away arrive.
describe('persistent sessions (real Mosquitto)', () => {
  let broker: MosquittoFixture
  let relay: FaultProxy
  const clients: TidingsClient[] = []
  const t = topic('session/{id}', json<number>(), { qos: 1 })
  let n = 0
  const make = (port: number, options: Partial<ClientOptions> = {}): TidingsClient => {
    const client = createClient({
      broker: mosquitto({ host: '127.0.0.1', port, clientId: `session-${process.pid}-${++n}` }),
      transport: tcp(),
      reconnect: { baseMs: 300, capMs: 400 },
      ...options,
    })
    client.on('error', () => {})
    clients.push(client)
    return client
  }

  beforeAll(async () => {
    broker = await spawnMosquitto()
    relay = await startFaultProxy({ target: { host: '127.0.0.1', port: broker.port } })
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
  })
  afterAll(async () => {
    await relay?.close()
    await broker?.close()
  })

  async function publishedWhileAway(options: Partial<ClientOptions>): Promise<number[]> {
    const sub = make(relay.port, options)
    await sub.connect()
    const got: number[] = []
    await sub.subscribe(t, { id: 'a' }, (v) => void got.push(v))
    const pub = make(broker.port)
    await pub.connect()
    const offline = new Promise<void>((resolve) => sub.on('state', (s) => s === 'reconnecting' && resolve()))
    relay.cut('rst')
    await offline
    // The subscriber is away (its backoff is at least 300 ms): these are published meanwhile.
    await Promise.all([1, 2, 3, 4, 5].map((i) => pub.publish(t, { id: 'a' }, i)))
    await expect.poll(() => sub.state, { timeout: 3000 }).toBe('online')
    await new Promise((r) => setTimeout(r, 300))
    return got
  }

  it('with session: { persistent: true } nothing published meanwhile is lost, in order', async () => {
    expect(await publishedWhileAway({ session: { persistent: true } })).toEqual([1, 2, 3, 4, 5])
  })

  it('with a clean session the same messages are lost (what the option prevents)', async () => {
    expect(await publishedWhileAway({})).toEqual([])
  })

  it('on MQTT 5 too', async () => {
    expect(await publishedWhileAway({ session: { persistent: true, expirySeconds: 60 }, protocolVersion: 5 })).toEqual([
      1, 2, 3, 4, 5,
    ])
  })
})
