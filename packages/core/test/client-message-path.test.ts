import { Buffer } from 'node:buffer'
import { generate, type Packet } from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { createClient, text, topic, type MessageMeta } from '../src/index.js'
import { countingProfile, memoryBroker, settle } from './support/memory-broker.js'
import { connected } from './support/reliability.js'

// Messages and acknowledgements are read by tidings itself (the packet reader), everything else by MQTT.js.
// What a user sees must not depend on which of the two read a packet: order, acknowledgements, metadata.

async function subscribed(protocolVersion: 4 | 5) {
  const { client, socket, errors } = await connected({}, protocolVersion)
  const got: Array<{ value: string; meta: MessageMeta }> = []
  const done = client.subscribe(topic('news/{id}', text(), { qos: 1 }), {}, (value, meta) => {
    got.push({ value, meta })
  })
  const sub = await socket.next('subscribe')
  socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
  await done
  return { client, socket, got, errors }
}

const message = (id: number, extra: Partial<Packet & { cmd: 'publish' }> = {}): Packet => ({
  cmd: 'publish',
  topic: `news/${id}`,
  payload: Buffer.from(`m${id}`),
  qos: 1,
  messageId: id,
  retain: false,
  dup: false,
  ...extra,
})

describe('the message path', () => {
  for (const version of [4, 5] as const) {
    it(`MQTT ${version === 5 ? '5' : '3.1.1'}: one chunk of QoS 1 messages is dispatched in order and acknowledged in one write`, async () => {
      const s = await subscribed(version)
      const writes = s.socket.writes
      s.socket.sendTogether([1, 2, 3, 4].map((id) => message(id)))
      await settle()
      expect(s.got.map((m) => m.value)).toEqual(['m1', 'm2', 'm3', 'm4'])
      expect(s.got[0]!.meta).toMatchObject({ topic: 'news/1', params: { id: '1' }, qos: 1, retain: false, dup: false })
      const acks = s.socket.received.filter((p) => p.cmd === 'puback').map((p) => p.messageId)
      expect(acks).toEqual([1, 2, 3, 4])
      expect(s.socket.writes - writes).toBe(1)
      expect(s.errors).toEqual([])
      await s.client.close({ force: true })
    })
  }

  it('what the app publishes once it awaited a message leaves in the same write as the PUBACKs, after them', async () => {
    const { client, socket } = await connected({}, 4)
    const answer = topic('answer/{id}', text(), { qos: 0 })
    // A responder: its code runs after an await, as code awaiting a message does.
    const done = client.subscribe(topic('ask/{id}', text(), { qos: 1 }), {}, async (value) => {
      await undefined
      void client.publish(answer, { id: value }, 'ok')
    })
    const sub = await socket.next('subscribe')
    socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
    await done
    const writes = socket.writes
    const before = socket.received.length
    socket.sendTogether([1, 2].map((id) => message(id, { topic: `ask/q${id}`, payload: Buffer.from(`q${id}`) })))
    await settle()
    expect(socket.writes - writes).toBe(1)
    expect(
      socket.received.slice(before).map((p) => (p.cmd === 'publish' ? p.topic : `${p.cmd} ${p.messageId}`)),
    ).toEqual(['puback 1', 'puback 2', 'answer/q1', 'answer/q2'])
    await client.close({ force: true })
  })

  it('a message MQTT.js reads (one with MQTT 5 properties) keeps its place: dispatch and PUBACK order hold', async () => {
    const s = await subscribed(5)
    s.socket.sendTogether([
      message(1),
      message(2, { properties: { userProperties: { source: 'billing' } } }),
      message(3, { retain: true, dup: true }),
    ])
    await settle()
    expect(s.got.map((m) => m.value)).toEqual(['m1', 'm2', 'm3'])
    expect(s.got[1]!.meta.properties).toMatchObject({ userProperties: { source: 'billing' } })
    expect(s.got[2]!.meta).toMatchObject({ retain: true, dup: true })
    const acks = s.socket.received.filter((p) => p.cmd === 'puback').map((p) => p.messageId)
    expect(acks).toEqual([1, 2, 3])
    await s.client.close({ force: true })
  })

  it('a message cut across chunks arrives once, whole', async () => {
    const s = await subscribed(4)
    const bytes = Buffer.concat([1, 2].map((id) => generate(message(id))))
    // Inside the first fixed header, inside its topic, and across the two packets.
    const cuts = [0, 1, 3, 9, bytes.length - 3, bytes.length]
    for (let i = 1; i < cuts.length; i++) s.socket.sendRaw(bytes.subarray(cuts[i - 1], cuts[i]))
    await settle()
    expect(s.got.map((m) => m.value)).toEqual(['m1', 'm2'])
    await s.client.close({ force: true })
  })

  it('messages that arrive with the CONNACK are delivered, and those after it, in order', async () => {
    const broker = memoryBroker(4)
    const client = createClient({ broker: countingProfile(), transport: broker.transport, keepaliveSeconds: 0 })
    const got: string[] = []
    // A listen-only route needs no SUBSCRIBE: the broker delivers queued messages of a resumed session.
    const connected = client.connect()
    const socket = await broker.nextSocket()
    await socket.next('connect')
    const listening = client.subscribe(topic('news/{id}', text()), {}, (v) => {
      got.push(v)
    })
    socket.sendTogether([{ cmd: 'connack', returnCode: 0, sessionPresent: true }, message(1), message(2)])
    await connected
    const sub = await socket.next('subscribe')
    socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
    await listening
    socket.sendTogether([message(3), message(4)])
    await settle()
    expect(got).toEqual(['m1', 'm2', 'm3', 'm4'])
    expect(socket.received.filter((p) => p.cmd === 'puback').map((p) => p.messageId)).toEqual([1, 2, 3, 4])
    await client.close({ force: true })
  })
})
