import { describe, expect, it } from 'vitest'
import { createClient, json, topic } from '../src/index.js'
import { countingProfile, manualTimers, memoryBroker, settle } from './support/memory-broker.js'
import { online, setup } from './support/reliability.js'

// What the broker sends and what the client holds, over an in-memory socket: no network.

describe('malformed and oversized packets from the broker', () => {
  it('garbage bytes close the connection with PROTOCOL_ERROR, and the client reconnects', async () => {
    const s = setup()
    const socket = await online(s)
    socket.sendRaw(Buffer.from('garbage!'))
    await settle()
    expect(s.errors.map((e) => e.code)).toEqual(['PROTOCOL_ERROR'])
    expect(socket.closed).toBe(true)
    expect(s.client.state).toBe('reconnecting')
    expect(s.states.at(-1)?.error).toMatchObject({ code: 'CONNECTION_LOST', cause: { code: 'PROTOCOL_ERROR' } })
    s.timers.fireNext()
    const next = await s.broker.nextSocket()
    await next.next('connect')
    next.connack(0)
    await settle()
    expect(s.client.state).toBe('online')
    await s.client.close({ force: true })
  })

  it('a reserved packet type closes the connection', async () => {
    const s = setup()
    const socket = await online(s)
    socket.sendRaw(Uint8Array.of(0x00, 0x00))
    await settle()
    expect(s.errors.map((e) => e.code)).toEqual(['PROTOCOL_ERROR'])
    expect(socket.closed).toBe(true)
    await s.client.close({ force: true })
  })

  // A PUBLISH announcing 200 MB, then its first megabyte.
  const header = Uint8Array.of(0x30, 0x80, 0xb4, 0xae, 0x5f)
  const body = new Uint8Array(1024 * 1024)

  it('without a limit that fits, the client keeps reading (and buffering) a 200 MB packet', async () => {
    const s = setup({ maxPacketBytes: 268_435_460 })
    const socket = await online(s)
    socket.sendRaw(header)
    socket.sendRaw(body)
    await settle()
    expect(socket.closed).toBe(false)
    expect(s.errors).toEqual([])
    await s.client.close({ force: true })
  })

  it('a packet announced larger than maxPacketBytes ends the connection at its header', async () => {
    const s = setup({ maxPacketBytes: 1024 * 1024 })
    const socket = await online(s)
    socket.sendRaw(header)
    await settle()
    expect(socket.closed).toBe(true)
    expect(s.errors[0]).toMatchObject({ code: 'PROTOCOL_ERROR' })
    expect(s.errors[0]!.message).toContain('maxPacketBytes (1048576)')
    await s.client.close({ force: true })
  })

  it('the default limit (16 MiB) refuses it too, and MQTT 5 CONNECT carries Maximum Packet Size', async () => {
    const s = setup()
    const socket = await online(s)
    socket.sendRaw(header)
    await settle()
    expect(socket.closed).toBe(true)
    await s.client.close({ force: true })

    const broker = memoryBroker(5)
    const client = createClient({
      broker: countingProfile({ mqtt5: true }),
      transport: broker.transport,
      timers: manualTimers(),
      keepaliveSeconds: 0,
      maxPacketBytes: 4096,
    })
    void client.connect().catch(() => {})
    const five = await broker.nextSocket()
    const connect = await five.next('connect')
    expect(connect.properties?.maximumPacketSize).toBe(4096)
    await client.close({ force: true })
  })
})

describe('the offline queue is bounded in bytes', () => {
  const t = topic('queue/{id}', json<string>(), { qos: 1 })

  it('a publish that would go past offlineQueueBytes rejects with OFFLINE_QUEUE_FULL and is never sent', async () => {
    const s = setup({ offlineQueueBytes: 100 })
    const first = s.client.publish(t, { id: 'a' }, 'x'.repeat(60)) // 7 + 62 bytes
    const second = s.client.publish(t, { id: 'b' }, 'y'.repeat(60))
    await expect(second).rejects.toMatchObject({ code: 'OFFLINE_QUEUE_FULL' })
    const third = s.client.publish(t, { id: 'c' }, 'z') // still fits
    const socket = await online(s)
    const a = await socket.next('publish')
    const c = await socket.next('publish')
    expect([a.topic, c.topic]).toEqual(['queue/a', 'queue/c'])
    socket.send({ cmd: 'puback', messageId: a.messageId! })
    socket.send({ cmd: 'puback', messageId: c.messageId! })
    await Promise.all([first, third])
    await settle()
    expect(socket.received.filter((p) => p.cmd === 'publish')).toHaveLength(2)
    await s.client.close({ force: true })
  })
})

describe('incoming topics are checked before dispatch', () => {
  const t = topic('in/{id}', json<number>(), { qos: 0 })

  /** A PUBLISH (QoS 0) with these exact topic bytes and payload `1`. */
  const rawPublish = (topicBytes: number[]): Uint8Array => {
    const body = [topicBytes.length >> 8, topicBytes.length & 0xff, ...topicBytes, 0x31]
    return Uint8Array.of(0x30, body.length, ...body)
  }

  async function subscribed() {
    const s = setup()
    const socket = await online(s)
    const got: string[] = []
    const done = s.client.subscribe(t, {}, (_v, meta) => void got.push(meta.topic))
    const sub = await socket.next('subscribe')
    socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [0] })
    await done
    return { s, socket, got }
  }

  it('the router itself never hands a wildcard topic to a handler either (a second line behind the check)', async () => {
    const { s, got } = await subscribed()
    // The lower layer, called directly with what a broker sent: the trie does not match wildcard names.
    type Router = { subscriber: { registry: { dispatch(topic: string, payload: Uint8Array, packet: object): void } } }
    ;(s.client as unknown as Router).subscriber.registry.dispatch('in/+', Buffer.from('1'), { qos: 0 })
    expect(got).toEqual([])
    await s.client.close({ force: true })
  })

  for (const [what, bytes] of [
    ['a wildcard', [...Buffer.from('in/+')]],
    ['NUL', [...Buffer.from('in/a'), 0]],
    ['invalid UTF-8', [...Buffer.from('in/'), 0xff, 0xfe]],
  ] as const) {
    it(`a topic with ${what} is refused with INVALID_TOPIC and not dispatched`, async () => {
      const { s, socket, got } = await subscribed()
      socket.sendRaw(rawPublish([...bytes]))
      socket.send({ cmd: 'publish', topic: 'in/ok', payload: Buffer.from('1'), qos: 0, retain: false, dup: false })
      await settle()
      expect(got).toEqual(['in/ok'])
      expect(s.errors.map((e) => e.code)).toEqual(['INVALID_TOPIC'])
      await s.client.close({ force: true })
    })
  }
})

describe('resend after a lost connection', () => {
  const t = topic('resend/{id}', json<number>(), { qos: 1 })

  it('unacknowledged publishes go out once more, in order, with DUP; newer ones follow without it', async () => {
    const s = setup()
    const first = await online(s)
    const sent = [1, 2, 3].map((i) => s.client.publish(t, { id: 'a' }, i))
    for (let i = 0; i < 3; i++) await first.next('publish')
    first.drop()
    await settle()
    const later = s.client.publish(t, { id: 'a' }, 4)
    s.timers.fireNext()
    const next = await s.broker.nextSocket()
    await next.next('connect')
    next.connack(0)
    const resent = []
    for (let i = 0; i < 4; i++) resent.push(await next.next('publish'))
    expect(resent.map((p) => [String(p.payload), p.dup])).toEqual([
      ['1', true],
      ['2', true],
      ['3', true],
      ['4', false],
    ])
    for (const p of resent) next.send({ cmd: 'puback', messageId: p.messageId! })
    await Promise.all([...sent, later])
    await settle()
    expect(next.received.filter((p) => p.cmd === 'publish')).toHaveLength(4)
    await s.client.close({ force: true })
  })
})
