import { Buffer } from 'node:buffer'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { incomingTopicProblem } from '../../src/index.js'

// The parser MQTT.js itself loads (its own dependency, whatever version that is), so a change of
// behaviour in an mqtt upgrade fails here. These tests pin what reaches tidings' client from a broken or
// hostile broker; the client's answers (close with PROTOCOL_ERROR, a packet size limit) build on them.
const requireFromMqtt = createRequire(createRequire(import.meta.url).resolve('mqtt'))

interface Parser {
  on(event: 'packet', listener: (packet: { cmd: string; topic?: string; length: number }) => void): void
  on(event: 'error', listener: (error: Error) => void): void
  /** Returns how many bytes it holds back, waiting for the rest of a packet. */
  parse(chunk: Buffer): number
}
const mqttPacket = requireFromMqtt('mqtt-packet') as { parser(opts?: { protocolVersion?: number }): Parser }
const mqttPacketVersion = (requireFromMqtt('mqtt-packet/package.json') as { version: string }).version

type Event = ['packet', string, string | undefined] | ['error', string]

/** Feeds the chunks to a fresh parser; collects events and what it holds back after each chunk. */
function feed(chunks: number[][] | Buffer[], protocolVersion = 4): { events: Event[]; held: number[] } {
  const parser = mqttPacket.parser({ protocolVersion })
  const events: Event[] = []
  parser.on('packet', (p) => events.push(['packet', p.cmd, p.topic]))
  parser.on('error', (e) => events.push(['error', e.message]))
  const held = chunks.map((c) => parser.parse(Buffer.from(c)))
  return { events, held }
}

/** A QoS 0 PUBLISH whose topic is the given raw bytes (so they can be ill-formed UTF-8). */
function publish(topic: number[] | string, payload: number[] = []): number[] {
  const t = typeof topic === 'string' ? [...Buffer.from(topic)] : topic
  return [0x30, 2 + t.length + payload.length, t.length >> 8, t.length & 0xff, ...t, ...payload]
}

describe(`mqtt-packet ${mqttPacketVersion} parser, fed by a hostile broker`, () => {
  it('is the version these findings were written against', () => {
    expect(mqttPacketVersion).toBe('9.0.2')
  })

  it('random bytes in random chunks: packets or error events, never a throw or a hang', () => {
    // Bias the first byte towards packet types a client receives so the fuzz gets past the header.
    const first = fc.constantFrom(0x20, 0x30, 0x32, 0x34, 0x40, 0x50, 0x62, 0x70, 0x90, 0xb0, 0xd0, 0xe0, 0xf0)
    const arb = fc.tuple(
      first,
      fc.uint8Array({ maxLength: 48 }),
      fc.array(fc.nat({ max: 48 }), { maxLength: 4 }),
      fc.constantFrom(4, 5),
    )
    fc.assert(
      fc.property(arb, ([type, rest, cuts, version]) => {
        const bytes = Buffer.from([type, ...rest])
        const points = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b)
        const chunks = [...points, bytes.length].map((end, i, all) => bytes.subarray(i ? all[i - 1] : 0, end))
        const { events, held } = feed(chunks, version)
        for (const n of held) expect(n).toBeLessThanOrEqual(bytes.length)
        for (const e of events) expect(['packet', 'error']).toContain(e[0])
      }),
      { numRuns: 3000 },
    )
  })

  it('a PUBLISH announcing 200 MB is buffered without an error: no limit of its own', () => {
    // Remaining length 209 715 200 as a variable byte integer; only the header and a few bytes are sent.
    const header = [0x30, 0x80, 0x80, 0x80, 0x64]
    const { events, held } = feed([header, [0, 3, 0x61], new Array(1000).fill(0x62)])
    expect(events).toEqual([])
    // It keeps every byte it is given while it waits for 200 MB: memory grows with what the broker sends.
    expect(held).toEqual([0, 3, 1003])
  })

  it('the announced length is readable as soon as the header is parsed (where a size limit can act)', () => {
    const parser = mqttPacket.parser() as Parser & { packet: { cmd: string; length: number } }
    parser.parse(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x64]))
    expect(parser.packet).toMatchObject({ cmd: 'publish', length: 209_715_200 })
  })

  it('a remaining length longer than four bytes is an error event', () => {
    expect(feed([[0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]]).events).toEqual([['error', 'Invalid variable byte integer']])
  })

  it('a PUBLISH with an ill-formed UTF-8 topic is delivered, the bytes turned into U+FFFD', () => {
    for (const bad of [
      [0x61, 0xc0, 0xaf], // overlong "/"
      [0x61, 0xed, 0xa0, 0x80], // UTF-16 surrogate
      [0x61, 0xff],
    ]) {
      const { events } = feed([publish(bad)])
      expect(events).toHaveLength(1)
      const [kind, cmd, topic] = events[0] as ['packet', string, string]
      expect([kind, cmd]).toEqual(['packet', 'publish'])
      expect(topic).toContain('\ufffd')
      // tidings' check is what catches it.
      expect(incomingTopicProblem(topic)).toMatch(/U\+FFFD/)
    }
  })

  it('a PUBLISH whose topic has wildcards, U+0000 or is empty is delivered as it is', () => {
    for (const topic of ['a/+', 'rel/#', 'a\u0000b', '']) {
      expect(feed([publish(topic)]).events).toEqual([['packet', 'publish', topic]])
      expect(incomingTopicProblem(topic)).toBeDefined()
    }
  })

  it('after an error the parser drops the rest of that chunk and starts afresh at the next one', () => {
    const garbage = [0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]
    const { events } = feed([[...garbage, ...publish('lost')], publish('next')])
    // No resynchronisation on packet boundaries: framing after the error is whatever the next chunk holds.
    expect(events).toEqual([
      ['error', 'Invalid variable byte integer'],
      ['packet', 'publish', 'next'],
    ])
  })

  it('a topic length past the end of the packet is an error event', () => {
    expect(feed([[0x30, 4, 0, 5, 0x61, 0x62]]).events).toEqual([['error', 'Cannot parse topic']])
  })
})
