import type { Packet } from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { createClient, json, topic, type TidingsError } from '../src/index.js'
import { PUBLISH_IDS } from '../src/client/packet-ids.js'
import { countingProfile, type FakeSocket, manualTimers, memoryBroker, settle } from './support/memory-broker.js'
import { online, setup } from './support/reliability.js'

// The QoS 1/2 publish path tidings runs itself: packet ids, DUP and PUBREL on the wire, over an in-memory
// socket whose far end the test plays.
const q1 = topic('ids/{id}', json<number>(), { qos: 1 })
const q2 = topic('ids2/{id}', json<number>(), { qos: 2 })

type PublishPacket = Extract<Packet, { cmd: 'publish' }>

async function publishes(socket: FakeSocket, count: number): Promise<PublishPacket[]> {
  const got: PublishPacket[] = []
  for (let i = 0; i < count; i++) got.push(await socket.next('publish'))
  return got
}

/** Drops the connection and answers the next CONNECT with this session-present flag. */
async function reconnect(s: ReturnType<typeof setup>, first: FakeSocket, sessionPresent: boolean) {
  first.drop()
  await settle()
  s.timers.fireNext()
  const next = await s.broker.nextSocket()
  await next.next('connect')
  next.connack(0, sessionPresent)
  return next
}

const wire = (packets: PublishPacket[]) => packets.map((p) => [String(p.payload), p.messageId, p.dup])

describe('packet ids of publishes', () => {
  it('QoS 1 and 2 publishes get distinct ids in the publish range; QoS 0 none; acks resolve them', async () => {
    const s = setup()
    const socket = await online(s)
    const done = [s.client.publish(q1, { id: 'a' }, 1), s.client.publish(q2, { id: 'a' }, 2)]
    const zero = s.client.publish(q1, { id: 'a' }, 3, { qos: 0 })
    const [p1, p2, p0] = await publishes(socket, 3)
    expect([p1!.qos, p2!.qos, p0!.qos]).toEqual([1, 2, 0])
    expect(p1!.messageId).not.toBe(p2!.messageId)
    for (const id of [p1!.messageId!, p2!.messageId!]) expect(id >= 1 && id <= PUBLISH_IDS).toBe(true)
    await zero
    socket.send({ cmd: 'puback', messageId: p1!.messageId! })
    socket.send({ cmd: 'pubrec', messageId: p2!.messageId! })
    const rel = await socket.next('pubrel')
    expect(rel.messageId).toBe(p2!.messageId)
    socket.send({ cmd: 'pubcomp', messageId: p2!.messageId! })
    await Promise.all(done)
    // Nothing else reached the error event: MQTT.js did not see these acks as errors.
    expect(s.errors).toEqual([])
    await s.client.close({ force: true })
  })

  it('SUBSCRIBE ids lie above the publish range, so an ack never reaches the wrong owner', async () => {
    const s = setup()
    const socket = await online(s)
    const pub = s.client.publish(q1, { id: 'a' }, 1)
    const sub = s.client.subscribe(q1, { id: 'b' }, () => {})
    const p = await socket.next('publish')
    const subscribe = await socket.next('subscribe')
    expect(subscribe.messageId!).toBeGreaterThan(PUBLISH_IDS)
    socket.send({ cmd: 'suback', messageId: subscribe.messageId!, granted: [1] })
    socket.send({ cmd: 'puback', messageId: p.messageId! })
    await Promise.all([pub, sub])
    expect(s.errors).toEqual([])
    await s.client.close({ force: true })
  })

  it('an ack for an id nothing waits for is ignored; a PUBACK for a QoS 2 publish ends the connection', async () => {
    const s = setup()
    const socket = await online(s)
    let settled = false
    const pub = s.client.publish(q2, { id: 'a' }, 1).finally(() => {
      settled = true
    })
    const p = await socket.next('publish')
    socket.send({ cmd: 'puback', messageId: p.messageId! === 1 ? 2 : 1 })
    await settle()
    expect(settled).toBe(false)
    expect(socket.closed).toBe(false)
    socket.send({ cmd: 'puback', messageId: p.messageId! })
    await settle()
    expect(settled).toBe(false)
    expect(s.errors.map((e) => e.code)).toEqual(['PROTOCOL_ERROR'])
    // The publish is not lost: the next connection carries it again.
    s.timers.fireNext()
    const next = await s.broker.nextSocket()
    await next.next('connect')
    next.connack(0)
    const again = await next.next('publish')
    expect([again.messageId, again.dup]).toEqual([p.messageId, true])
    next.send({ cmd: 'pubrec', messageId: again.messageId! })
    await next.next('pubrel')
    next.send({ cmd: 'pubcomp', messageId: again.messageId! })
    await pub
    await s.client.close({ force: true })
  })

  it('an MQTT 5 PUBACK with a failure code rejects that publish only, naming the reason code', async () => {
    const broker = memoryBroker(5)
    const client = createClient({
      broker: countingProfile({ mqtt5: true }),
      transport: broker.transport,
      timers: manualTimers(),
      keepaliveSeconds: 0,
    })
    const connected = client.connect()
    const socket = await broker.nextSocket()
    await socket.next('connect')
    // A broker offering topic aliases (Mosquitto offers 10): tidings uses none, every publish names its topic.
    socket.send({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { topicAliasMaximum: 10 } })
    await connected
    const refused = client.publish(q1, { id: 'a' }, 1)
    const ok = client.publish(q1, { id: 'a' }, 2, { properties: { contentType: 'application/json' } })
    const [a, b] = await publishes(socket, 2)
    expect(b!.properties).toMatchObject({ contentType: 'application/json' })
    expect([a!.topic, b!.topic, a!.properties?.topicAlias, b!.properties?.topicAlias]).toEqual([
      'ids/a',
      'ids/a',
      undefined,
      undefined,
    ])
    socket.send({ cmd: 'puback', messageId: a!.messageId!, reasonCode: 0x87 })
    socket.send({ cmd: 'puback', messageId: b!.messageId!, reasonCode: 16 })
    await expect(refused).rejects.toMatchObject({ code: 'PUBLISH_DENIED', reasonCode: 0x87 } as Partial<TidingsError>)
    await ok
    await client.close({ force: true })
  })

  it('close() waits for the acks of publishes in flight before DISCONNECT', async () => {
    const s = setup()
    const socket = await online(s)
    const pub = s.client.publish(q1, { id: 'a' }, 1)
    const p = await socket.next('publish')
    const closing = s.client.close()
    await settle()
    expect(socket.received.map((x) => x.cmd)).not.toContain('disconnect')
    socket.send({ cmd: 'puback', messageId: p.messageId! })
    await pub
    await socket.next('disconnect')
    await closing
  })
})

describe('resend after a lost connection', () => {
  it('resumed session: unfinished QoS 1 publishes go out again with their original ids and DUP, in order', async () => {
    const s = setup({ session: { persistent: true } })
    const first = await online(s)
    const sent = [1, 2, 3].map((i) => s.client.publish(q1, { id: 'a' }, i))
    const before = await publishes(first, 3)
    first.send({ cmd: 'puback', messageId: before[1]!.messageId! })
    await sent[1]
    const next = await reconnect(s, first, true)
    const later = s.client.publish(q1, { id: 'a' }, 4)
    const after = await publishes(next, 3)
    expect(wire(after.slice(0, 2))).toEqual([
      ['1', before[0]!.messageId, true],
      ['3', before[2]!.messageId, true],
    ])
    expect([String(after[2]!.payload), after[2]!.dup]).toEqual(['4', false])
    for (const p of after) next.send({ cmd: 'puback', messageId: p.messageId! })
    await Promise.all([...sent, later])
    await s.client.close({ force: true })
  })

  it('resumed session: a QoS 2 publish past PUBREC resumes with PUBREL, one without PUBREC with PUBLISH', async () => {
    const s = setup({ session: { persistent: true } })
    const first = await online(s)
    const released = s.client.publish(q2, { id: 'a' }, 1)
    const unanswered = s.client.publish(q2, { id: 'a' }, 2)
    const [a, b] = await publishes(first, 2)
    first.send({ cmd: 'pubrec', messageId: a!.messageId! })
    await first.next('pubrel')
    const next = await reconnect(s, first, true)
    const rel = await next.next('pubrel')
    expect(rel.messageId).toBe(a!.messageId)
    const again = await next.next('publish')
    expect(wire([again])).toEqual([['2', b!.messageId, true]])
    // The resent PUBLISH is never the one already released.
    expect(next.received.filter((p) => p.cmd === 'publish')).toHaveLength(1)
    next.send({ cmd: 'pubcomp', messageId: a!.messageId! })
    await released
    next.send({ cmd: 'pubrec', messageId: again.messageId! })
    await next.next('pubrel')
    next.send({ cmd: 'pubcomp', messageId: again.messageId! })
    await unanswered
    await s.client.close({ force: true })
  })

  it('new session (no session present): every unfinished publish is sent again as PUBLISH, with DUP', async () => {
    const s = setup({ session: { persistent: true } })
    const first = await online(s)
    const released = s.client.publish(q2, { id: 'a' }, 1)
    const plain = s.client.publish(q1, { id: 'a' }, 2)
    const [a, b] = await publishes(first, 2)
    first.send({ cmd: 'pubrec', messageId: a!.messageId! })
    await first.next('pubrel')
    const next = await reconnect(s, first, false)
    const after = await publishes(next, 2)
    expect(wire(after)).toEqual([
      ['1', a!.messageId, true],
      ['2', b!.messageId, true],
    ])
    expect(next.received.map((p) => p.cmd)).not.toContain('pubrel')
    next.send({ cmd: 'pubrec', messageId: a!.messageId! })
    await next.next('pubrel')
    next.send({ cmd: 'pubcomp', messageId: a!.messageId! })
    next.send({ cmd: 'puback', messageId: b!.messageId! })
    await Promise.all([released, plain])
    await s.client.close({ force: true })
  })

  it('an ack on the new connection for a publish not yet written on it is ignored', async () => {
    const s = setup({ session: { persistent: true } })
    const first = await online(s)
    const pub = s.client.publish(q1, { id: 'a' }, 1)
    const [a] = await publishes(first, 1)
    first.drop()
    await settle()
    // A profile's hold (what ProfileSession.hold() reaches) keeps the resend back on the next connection.
    const held = (s.client as unknown as { hold(): () => void }).hold()
    s.timers.fireNext()
    const next = await s.broker.nextSocket()
    await next.next('connect')
    next.connack(0, true)
    await settle()
    let settled = false
    void pub.finally(() => {
      settled = true
    })
    next.send({ cmd: 'puback', messageId: a!.messageId! })
    await settle()
    expect(settled).toBe(false)
    held()
    const again = await next.next('publish')
    expect(wire([again])).toEqual([['1', a!.messageId, true]])
    next.send({ cmd: 'puback', messageId: a!.messageId! })
    await pub
    await s.client.close({ force: true })
  })
})

describe('a publish whose MQTT 5 properties cannot be encoded', () => {
  it('rejects alone with INVALID_OPTIONS, nothing written, no unhandled rejection; the next publish goes out', async () => {
    const broker = memoryBroker(5)
    const client = createClient({
      broker: countingProfile({ mqtt5: true }),
      transport: broker.transport,
      timers: manualTimers(),
    })
    const connecting = client.connect()
    const socket = await broker.nextSocket()
    await socket.next('connect')
    socket.connack(0)
    await connecting
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason)
    }
    process.on('unhandledRejection', onUnhandled)
    try {
      const bad = client.publish(q1, { id: 'a' }, 1, { properties: { contentType: 5 as unknown as string } })
      await expect(bad).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
      const good = client.publish(q1, { id: 'a' }, 2, { properties: { correlationData: new Uint8Array([1, 2]) } })
      const packet = await socket.next('publish')
      expect(String(packet.payload)).toBe('2')
      expect([...(packet.properties?.correlationData ?? [])]).toEqual([1, 2])
      socket.send({ cmd: 'puback', messageId: packet.messageId as number })
      await good
      await new Promise((resolve) => setTimeout(resolve, 10))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
