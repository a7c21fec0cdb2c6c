import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { generate, type Packet } from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { pubacks, readAck, readPublish } from '../src/client/incoming-wire.js'
import { PacketReader, type PacketRoutes } from '../src/client/packet-reader.js'

// The packet reader splits what a broker sends between tidings' message path and MQTT.js's parser. What
// must hold however the bytes are cut into chunks: every byte goes exactly one way, packets keep their
// order, and nothing is allocated from a header alone.

type Event = ['take', string] | ['forward', string]

/** A reader whose `take` accepts what `accept` says, recording what went where (as hex). */
function recorder(accept: (packet: Buffer) => boolean, version: 4 | 5 = 5, maxPacketBytes = 16 * 1024 * 1024) {
  const events: Event[] = []
  let chunksRead = 0
  const routes: PacketRoutes = {
    take(packet) {
      if (!accept(packet)) return false
      events.push(['take', packet.toString('hex')])
      return true
    },
    forward(bytes) {
      // A packet streamed in pieces shows as one forward, as MQTT.js's parser sees one byte stream.
      const last = events.at(-1)
      if (last?.[0] === 'forward') last[1] += bytes.toString('hex')
      else events.push(['forward', bytes.toString('hex')])
    },
    chunkRead() {
      chunksRead++
    },
  }
  const reader = new PacketReader(maxPacketBytes, version, 'test', routes)
  return { reader, events, chunks: () => chunksRead }
}

const v5 = { protocolVersion: 5 } as const
const bytesOf = (packet: Packet): Buffer => generate(packet, v5)

/** Packets of every kind a client receives, including ones the message path declines. */
const SAMPLES: Packet[] = [
  { cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false },
  { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 0, retain: false, dup: false },
  { cmd: 'publish', topic: 'a/b', payload: Buffer.from('q1'), qos: 1, messageId: 7, retain: true, dup: true },
  { cmd: 'publish', topic: 'a/q2', payload: Buffer.from('q2'), qos: 2, messageId: 8, retain: false, dup: false },
  {
    cmd: 'publish',
    topic: 'a/props',
    payload: Buffer.from('p'),
    qos: 1,
    messageId: 9,
    retain: false,
    dup: false,
    properties: { userProperties: { k: 'v' } },
  },
  { cmd: 'puback', messageId: 10, reasonCode: 0 },
  { cmd: 'puback', messageId: 11, reasonCode: 0x87 },
  { cmd: 'pubrec', messageId: 12, reasonCode: 0 },
  { cmd: 'pubcomp', messageId: 13, reasonCode: 0 },
  { cmd: 'suback', messageId: 64_600, granted: [1] },
  { cmd: 'pingresp' },
  { cmd: 'pubrel', messageId: 14, reasonCode: 0 },
  { cmd: 'publish', topic: 'big', payload: Buffer.alloc(70_000, 1), qos: 0, retain: false, dup: false },
]

/** The message path's rule, as the connection applies it. */
const acceptLikeConnection = (packet: Buffer): boolean => {
  const bodyAt = 1 + lengthBytes(packet)
  return packet[0]! >> 4 === 3 ? readPublish(packet, bodyAt, 5) !== undefined : readAck(packet, bodyAt, 5) >= 0
}

function lengthBytes(packet: Buffer): number {
  let n = 1
  while (packet[n]! & 0x80) n++
  return n
}

/** What the reader must do with `packets`: each taken whole, or forwarded whole, in order. */
function expected(packets: Buffer[], accept: (p: Buffer) => boolean): Event[] {
  const out: Event[] = []
  for (const p of packets) {
    // Hot packets over the collect limit are streamed to MQTT.js without being offered.
    const hot = [3, 4, 5, 7].includes(p[0]! >> 4) && p.length <= 65_536
    if (hot && accept(p)) out.push(['take', p.toString('hex')])
    else {
      const last = out.at(-1)
      if (last?.[0] === 'forward') last[1] += p.toString('hex')
      else out.push(['forward', p.toString('hex')])
    }
  }
  return out
}

describe('PacketReader', () => {
  it('sends every packet one way, whole and in order, however the stream is cut', () => {
    const arb = fc.tuple(
      fc.array(fc.nat({ max: SAMPLES.length - 1 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 12 }),
    )
    fc.assert(
      fc.property(arb, ([picks, cuts]) => {
        const packets = picks.map((i) => bytesOf(SAMPLES[i]!))
        const stream = Buffer.concat(packets)
        const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b)
        const chunks = [...points, stream.length].map((end, i, all) => stream.subarray(i ? all[i - 1] : 0, end))
        const { reader, events } = recorder(acceptLikeConnection)
        for (const chunk of chunks) expect(reader.feed(chunk)).toBeUndefined()
        expect(events).toEqual(expected(packets, acceptLikeConnection))
      }),
      { numRuns: 400 },
    )
  })

  it('offers a packet cut across chunks whole, once it arrived', () => {
    const packet = bytesOf(SAMPLES[2]!)
    const { reader, events } = recorder(() => true)
    // Cut inside the fixed header, then inside the body.
    reader.feed(packet.subarray(0, 1))
    reader.feed(packet.subarray(1, 5))
    expect(events).toEqual([])
    reader.feed(packet.subarray(5))
    expect(events).toEqual([['take', packet.toString('hex')]])
  })

  it('streams a large PUBLISH to MQTT.js as it arrives instead of collecting it', () => {
    const packet = bytesOf(SAMPLES.at(-1)!)
    const { reader, events } = recorder(() => true)
    reader.feed(packet.subarray(0, 1000))
    // The first thousand bytes went on at once: nothing was allocated for the 70 KB the header announced.
    expect(events).toEqual([['forward', packet.subarray(0, 1000).toString('hex')]])
    reader.feed(packet.subarray(1000))
    expect(events).toEqual([['forward', packet.toString('hex')]])
  })

  it('refuses a packet announced larger than the limit at its header, forwarding none of it', () => {
    const { reader, events } = recorder(() => true, 5, 1024)
    const problem = reader.feed(Uint8Array.of(0x30, 0x80, 0x10))
    expect(problem).toMatchObject({ code: 'PROTOCOL_ERROR' })
    expect(problem?.message).toContain('maxPacketBytes (1024)')
    expect(events).toEqual([])
    // It stays refused.
    expect(reader.feed(Uint8Array.of(0xd0, 0))).toBe(problem)
  })

  it('refuses reserved packet types and over-long lengths', () => {
    expect(recorder(() => true).reader.feed(Uint8Array.of(0x00, 0))?.message).toContain('packet type 0')
    expect(recorder(() => true, 4).reader.feed(Uint8Array.of(0xf0, 0))?.message).toContain('packet type 15')
    expect(recorder(() => true).reader.feed(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 1))?.message).toContain(
      'longer than 4 bytes',
    )
  })

  it('random bytes in random chunks: a problem or packets, never a throw', () => {
    const arb = fc.tuple(fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat({ max: 64 }), { maxLength: 4 }))
    fc.assert(
      fc.property(arb, ([bytes, cuts]) => {
        const { reader } = recorder(acceptLikeConnection)
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
        for (const [i, end] of [...points, bytes.length].entries())
          reader.feed(bytes.subarray(i ? points[i - 1] : 0, end))
      }),
      { numRuns: 2000 },
    )
  })

  it('reports the end of each chunk it read', () => {
    const { reader, chunks } = recorder(() => true)
    reader.feed(bytesOf(SAMPLES[1]!))
    reader.feed(bytesOf(SAMPLES[5]!).subarray(0, 1))
    expect(chunks()).toBe(2)
  })
})

describe('the message path reads', () => {
  const at = (p: Buffer) => 1 + lengthBytes(p)

  it('QoS 0 and 1 PUBLISH without properties, as mqtt-packet wrote them', () => {
    for (const version of [4, 5] as const) {
      const q1 = generate(
        { cmd: 'publish', topic: 'u/42/ä', payload: Buffer.from('x'), qos: 1, messageId: 300, retain: true, dup: true },
        { protocolVersion: version },
      )
      expect(readPublish(q1, at(q1), version)).toEqual({
        topic: 'u/42/ä',
        payload: Buffer.from('x'),
        qos: 1,
        dup: true,
        retain: true,
        id: 300,
      })
    }
  })

  it('declines what MQTT.js is to handle: QoS 2, properties, packet id 0, a topic longer than the packet', () => {
    const q2 = bytesOf(SAMPLES[3]!)
    const props = bytesOf(SAMPLES[4]!)
    expect(readPublish(q2, at(q2), 5)).toBeUndefined()
    expect(readPublish(props, at(props), 5)).toBeUndefined()
    expect(readPublish(Buffer.from([0x32, 5, 0, 1, 0x61, 0, 0]), 2, 4)).toBeUndefined()
    expect(readPublish(Buffer.from([0x30, 3, 0, 9, 0x61]), 2, 4)).toBeUndefined()
  })

  it('acknowledgements: id and reason code, with MQTT 5 leaving out a zero code', () => {
    const refused = bytesOf(SAMPLES[6]!)
    expect(readAck(refused, at(refused), 5)).toBe(11 + 0x87 * 65_536)
    expect(readAck(Buffer.from([0x40, 2, 1, 2]), 2, 5)).toBe(258)
    // MQTT 3.1.1 has exactly two bytes; flags must be 0.
    expect(readAck(Buffer.from([0x40, 3, 1, 2, 0]), 2, 4)).toBe(-1)
    expect(readAck(Buffer.from([0x42, 2, 1, 2]), 2, 4)).toBe(-1)
  })

  it('PUBACKs for several ids in one chunk', () => {
    expect([...pubacks([1, 258])]).toEqual([0x40, 2, 0, 1, 0x40, 2, 1, 2])
  })
})
