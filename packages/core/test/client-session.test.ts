import { describe, expect, it } from 'vitest'
import { createClient, json, topic } from '../src/index.js'
import { countingProfile, manualTimers, memoryBroker, settle } from './support/memory-broker.js'
import { online, setup } from './support/reliability.js'

// Persistent sessions over an in-memory socket: what CONNECT asks for and what a reconnect restores.
const t = topic('session/{id}', json<number>(), { qos: 1 })

describe('session: { persistent }', () => {
  it('MQTT 3.1.1: CONNECT carries clean: false', async () => {
    const s = setup({ session: { persistent: true } })
    const socket = await online(s)
    expect(socket.received[0]).toMatchObject({ cmd: 'connect', clean: false })
    await s.client.close({ force: true })
  })

  it('MQTT 5: CONNECT carries clean: false and the Session Expiry Interval (default one day)', async () => {
    for (const [session, expiry] of [
      [{ persistent: true, expirySeconds: 600 }, 600],
      [{ persistent: true }, 86_400],
    ] as const) {
      const broker = memoryBroker(5)
      const client = createClient({
        broker: countingProfile({ mqtt5: true }),
        transport: broker.transport,
        timers: manualTimers(),
        keepaliveSeconds: 0,
        session,
      })
      void client.connect().catch(() => {})
      const socket = await broker.nextSocket()
      const connect = await socket.next('connect')
      expect(connect).toMatchObject({ clean: false, properties: { sessionExpiryInterval: expiry } })
      await client.close({ force: true })
    }
  })

  async function subscribedThenDropped() {
    const s = setup({ session: { persistent: true } })
    const first = await online(s)
    const done = s.client.subscribe(t, { id: 'a' }, () => {})
    const sub = await first.next('subscribe')
    first.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
    await done
    first.drop()
    await settle()
    s.timers.fireNext()
    const next = await s.broker.nextSocket()
    await next.next('connect')
    return { s, next }
  }

  it('a resumed session (session present) sends no SUBSCRIBE again', async () => {
    const { s, next } = await subscribedThenDropped()
    next.connack(0, true)
    await settle()
    await settle()
    expect(next.received.map((p) => p.cmd)).toEqual(['connect'])
    await s.client.close({ force: true })
  })

  it('a session the broker lost (no session present) gets every subscription back', async () => {
    const { s, next } = await subscribedThenDropped()
    next.connack(0, false)
    const again = await next.next('subscribe')
    expect(again.subscriptions.map((x) => x.topic)).toEqual(['session/a'])
    await s.client.close({ force: true })
  })
})
