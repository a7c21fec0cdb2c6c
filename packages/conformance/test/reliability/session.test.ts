import { json, topic, type ClientOptions } from '@tidings/core'
import { describe, expect, it } from 'vitest'
import { mosquittoBehindProxy } from './behind-proxy.js'

// Persistent sessions against a real Mosquitto: messages published while the subscriber is away arrive.
describe('persistent sessions (real Mosquitto)', () => {
  const env = mosquittoBehindProxy('session', { reconnect: { baseMs: 300, capMs: 400 } })
  const { make } = env
  const t = topic('session/{id}', json<number>(), { qos: 1 })

  async function publishedWhileAway(options: Partial<ClientOptions>): Promise<number[]> {
    const sub = make(env.relay.port, options)
    await sub.connect()
    const got: number[] = []
    await sub.subscribe(t, { id: 'a' }, (v) => void got.push(v))
    const pub = make(env.broker.port)
    await pub.connect()
    const offline = new Promise<void>((resolve) => sub.on('state', (s) => s === 'reconnecting' && resolve()))
    env.relay.cut('rst')
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
