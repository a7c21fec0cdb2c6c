import { createClient, json, topic, type ClientOptions, type TidingsClient } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'
import { startFaultProxy, type FaultProxy } from '../../src/fixtures/index.js'

// A half-open outage against a real Mosquitto: the fault proxy keeps both sockets open and lets nothing through.
describe('half-open connections (real Mosquitto)', () => {
  let broker: MosquittoFixture
  let relay: FaultProxy
  const clients: TidingsClient[] = []
  const t = topic('half-open/{id}', json<number>(), { qos: 1 })
  const make = (options: Partial<ClientOptions> = {}): TidingsClient => {
    const client = createClient({
      broker: mosquitto({ host: '127.0.0.1', port: relay.port }),
      transport: tcp(),
      reconnect: { baseMs: 50, capMs: 200 },
      ...options,
    })
    client.on('error', () => {})
    clients.push(client)
    return client
  }

  /** tcp() with a foreground event the test fires. */
  const foregroundable = () => {
    const listeners: Array<() => void> = []
    const transport = {
      ...tcp(),
      lifecycle: {
        onForeground: (listener: () => void) => {
          listeners.push(listener)
          return () => {}
        },
      },
    }
    return { transport, foreground: () => listeners.forEach((listener) => listener()) }
  }

  beforeAll(async () => {
    broker = await spawnMosquitto()
  })
  beforeEach(async () => {
    relay = await startFaultProxy({ target: { host: '127.0.0.1', port: broker.port } })
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
    await relay.close()
  })
  afterAll(async () => {
    await broker?.close()
  })

  it('close() resolves within closeTimeoutMs, destroys the socket and rejects the in-flight publish', async () => {
    const client = make({ closeTimeoutMs: 500 })
    await client.connect()
    relay.blackhole(true)
    const published = client.publish(t, { id: 'a' }, 1)
    published.catch(() => {})
    await new Promise((r) => setTimeout(r, 50))
    const started = Date.now()
    await client.close()
    const took = Date.now() - started
    expect(took).toBeGreaterThanOrEqual(450)
    expect(took).toBeLessThan(1500)
    await expect(published).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
    await expect.poll(() => relay.connections().length, { timeout: 1000 }).toBe(0)
  })

  it('keep-alive notices a silent connection within 1.5× keepaliveSeconds and reconnects', async () => {
    const client = make({ keepaliveSeconds: 2 })
    await client.connect()
    const lost = new Promise<number>((resolve) =>
      client.on('state', (s) => s === 'reconnecting' && resolve(Date.now())),
    )
    const started = Date.now()
    relay.blackhole(true)
    const took = (await lost) - started
    expect(took).toBeLessThanOrEqual(3000 + 300)
    relay.blackhole(false)
    await expect.poll(() => client.state, { timeout: 3000 }).toBe('online')
  })

  it('on return to the foreground a silent connection is probed and replaced within 3 s', async () => {
    const { transport, foreground } = foregroundable()
    // Keep-alive far away: only the probe can notice the outage within the test.
    const client = make({ transport, keepaliveSeconds: 60 })
    await client.connect()
    relay.blackhole(true)
    const lost = new Promise<number>((resolve) =>
      client.on('state', (s) => s === 'reconnecting' && resolve(Date.now())),
    )
    const started = Date.now()
    foreground()
    const took = (await lost) - started
    expect(took).toBeGreaterThanOrEqual(2900)
    expect(took).toBeLessThan(3500)
    relay.blackhole(false)
    await expect.poll(() => client.state, { timeout: 2000 }).toBe('online')
  })

  it('a live connection answers the probe and stays', async () => {
    const { transport, foreground } = foregroundable()
    const client = make({ transport })
    await client.connect()
    const states: string[] = []
    client.on('state', (s) => states.push(s))
    foreground()
    await new Promise((r) => setTimeout(r, 3300))
    expect(states).toEqual([])
    expect(relay.connections().length).toBe(1)
  })

  it('publishes made during a half-open outage arrive once each, in order; a refused one never arrives', async () => {
    const sub = createClient({ broker: mosquitto({ host: '127.0.0.1', port: broker.port }), transport: tcp() })
    clients.push(sub)
    await sub.connect()
    const got: number[] = []
    await sub.subscribe(t, { id: 'r' }, (v) => void got.push(v))

    const pub = make({ keepaliveSeconds: 1, offlineQueueLimit: 6 })
    await pub.connect()
    relay.blackhole(true)
    // Written to a connection that looks live: they never reach the broker.
    const during = [1, 2, 3, 4, 5].map((i) => pub.publish(t, { id: 'r' }, i))
    const lost = new Promise<void>((resolve) => pub.on('state', (s) => s === 'reconnecting' && resolve()))
    await lost
    // Offline now: 5 taken back, 1 more fits under the limit of 6, the next is refused.
    const queued = pub.publish(t, { id: 'r' }, 6)
    await expect(pub.publish(t, { id: 'r' }, 7)).rejects.toMatchObject({ code: 'OFFLINE_QUEUE_FULL' })
    relay.blackhole(false)
    await Promise.all([...during, queued])
    await expect.poll(() => got.length, { timeout: 3000 }).toBe(6)
    await new Promise((r) => setTimeout(r, 300))
    expect(got).toEqual([1, 2, 3, 4, 5, 6])
  })
})
