import { createClient, json, topic, type ClientOptions, type TidingsClient } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'
import { startTcpRelay, type TcpRelay } from './tcp-relay.js'

// A half-open outage against a real Mosquitto: the relay keeps both sockets open and lets nothing through.
describe('half-open connections (real Mosquitto)', () => {
  let broker: MosquittoFixture
  let relay: TcpRelay
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

  beforeAll(async () => {
    broker = await spawnMosquitto()
  })
  beforeEach(async () => {
    relay = await startTcpRelay({ host: '127.0.0.1', port: broker.port })
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
    relay.blackHole(true)
    const published = client.publish(t, { id: 'a' }, 1)
    published.catch(() => {})
    await new Promise((r) => setTimeout(r, 50))
    const started = Date.now()
    await client.close()
    const took = Date.now() - started
    expect(took).toBeGreaterThanOrEqual(450)
    expect(took).toBeLessThan(1500)
    await expect(published).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
    await expect.poll(() => relay.connections, { timeout: 1000 }).toBe(0)
  })
})
