import { describe, expect, it } from 'vitest'
import { unwrapReply, unwrapRequest, wrapReply, wrapRequest } from '../src/client/request-envelope.js'

const corr = Uint8Array.of(1, 2, 3, 250)

describe('the MQTT 3.1.1 request envelope', () => {
  it('is laid out byte for byte as the README documents', () => {
    const wire = wrapRequest(corr, 'r/x', Uint8Array.of(0xff, 0x00))
    expect([...wire]).toEqual([0x00, 0x54, 0x52, 0x51, 0x01, 4, 1, 2, 3, 250, 0, 3, 0x72, 0x2f, 0x78, 0xff, 0x00])
    const reply = wrapReply(corr, Uint8Array.of(7))
    expect([...reply]).toEqual([0x00, 0x54, 0x52, 0x50, 0x01, 0, 4, 1, 2, 3, 250, 7])
    const failed = wrapReply(corr, new Uint8Array(0), 'no')
    expect([...failed]).toEqual([0x00, 0x54, 0x52, 0x50, 0x01, 1, 4, 1, 2, 3, 250, 0x6e, 0x6f])
  })

  it("matches the README's worked example", () => {
    const hex = (bytes: Uint8Array): string =>
      Buffer.from(bytes)
        .toString('hex')
        .replace(/(..)(?!$)/g, '$1 ')
    expect(hex(wrapRequest(Uint8Array.of(10, 11), 'r/1', Buffer.from('{"a":1}')))).toBe(
      '00 54 52 51 01 02 0a 0b 00 03 72 2f 31 7b 22 61 22 3a 31 7d',
    )
    expect(hex(wrapReply(Uint8Array.of(10, 11), Buffer.from('2')))).toBe('00 54 52 50 01 00 02 0a 0b 32')
  })

  it('round-trips binary bodies untouched, an empty one included', () => {
    const body = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
    const request = unwrapRequest(wrapRequest(corr, 'tidings/reply/ü', body))
    expect(request && [...request.correlation]).toEqual([...corr])
    expect(request?.replyTopic).toBe('tidings/reply/ü')
    expect(request && [...request.body]).toEqual([...body])
    expect(unwrapRequest(wrapRequest(corr, 'r', new Uint8Array(0)))?.body.length).toBe(0)
    const reply = unwrapReply(wrapReply(corr, body))
    expect(reply?.error).toBeUndefined()
    expect(reply && [...reply.body]).toEqual([...body])
    expect(unwrapReply(wrapReply(corr, body, 'it broke'))?.error).toBe('it broke')
  })

  it('tells a plain publish, a truncated envelope or a bad reply topic from a request', () => {
    const plain = [new TextEncoder().encode('{"a":1}'), new Uint8Array(0), Uint8Array.of(0, 0x54, 0x52)]
    for (const payload of plain) expect(unwrapRequest(payload)).toBeUndefined()
    const wire = wrapRequest(corr, 'r/x', Uint8Array.of(1))
    for (let cut = 0; cut < 15; cut++) expect(unwrapRequest(wire.subarray(0, cut))).toBeUndefined()
    // Another version, a zero-length correlation, a wildcard or ill-formed UTF-8 reply topic.
    expect(unwrapRequest(Uint8Array.of(0, 0x54, 0x52, 0x51, 0x02, 1, 9, 0, 1, 0x72))).toBeUndefined()
    expect(unwrapRequest(Uint8Array.of(0, 0x54, 0x52, 0x51, 0x01, 0, 0, 1, 0x72))).toBeUndefined()
    expect(unwrapRequest(wrapRequest(corr, 'r/#', new Uint8Array(0)))).toBeUndefined()
    expect(unwrapRequest(Uint8Array.of(0, 0x54, 0x52, 0x51, 0x01, 1, 9, 0, 1, 0xc3))).toBeUndefined()
    // A request is not a reply and the other way round; an unknown status is neither.
    expect(unwrapReply(wire)).toBeUndefined()
    expect(unwrapRequest(wrapReply(corr, Uint8Array.of(1)))).toBeUndefined()
    expect(unwrapReply(Uint8Array.of(0, 0x54, 0x52, 0x50, 0x01, 2, 1, 9))).toBeUndefined()
    expect(unwrapReply(Uint8Array.of(0, 0x54, 0x52, 0x50, 0x01, 0, 2, 9))).toBeUndefined()
  })
})
