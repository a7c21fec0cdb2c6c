import { Buffer } from 'node:buffer'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytes, json, text } from '../../src/index.js'
import { codeOf } from './reference.js'

const BOM = [0xef, 0xbb, 0xbf]
// Runs of bytes that are ill-formed UTF-8: stray continuation, overlong, surrogate, truncated, > U+10FFFF.
const ILL_FORMED = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xff]]

/** Strict reference: TextDecoder with `fatal` throws on ill-formed UTF-8 and keeps a BOM with `ignoreBOM`. */
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const wellFormed = (b: Uint8Array): string | undefined => {
  try {
    return strict.decode(b)
  } catch {
    return undefined
  }
}

/** Payload bytes: random, valid JSON texts, each optionally with a BOM and an ill-formed run spliced in. */
const payloadArb = fc
  .tuple(
    fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => new Uint8Array(Buffer.from(JSON.stringify(v)))),
      fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => new Uint8Array(Buffer.from(s))),
    ),
    fc.boolean(),
    fc.option(fc.tuple(fc.constantFrom(...ILL_FORMED), fc.nat())),
  )
  .map(([body, bom, bad]) => {
    const out = [...(bom ? BOM : []), ...body]
    if (bad) out.splice(bad[1] % (out.length + 1), 0, ...bad[0])
    return new Uint8Array(out)
  })

// The `buffer` package that browser and mini-program builds bundle instead of Node's Buffer.
const BundledBuffer = (createRequire(import.meta.url)('buffer/') as { Buffer: typeof Buffer }).Buffer

describe('codecs (fuzz)', () => {
  it('both UTF-8 decoders tidings runs on mark every ill-formed input with U+FFFD (what text() relies on)', () => {
    fc.assert(
      fc.property(payloadArb, (payload) => {
        const expected = wellFormed(payload)
        for (const B of [Buffer, BundledBuffer]) {
          const decoded = B.from(payload).toString('utf8')
          if (expected !== undefined) expect(decoded).toBe(expected)
          else {
            expect(decoded).toContain('\ufffd')
            expect(Buffer.from(decoded).equals(Buffer.from(payload))).toBe(false)
          }
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('json: a correct value or INVALID_PAYLOAD, never another error', () => {
    const c = json()
    fc.assert(
      fc.property(payloadArb, (payload) => {
        let value: unknown
        const code = codeOf(() => {
          value = c.decode(payload)
        })
        const decoded = wellFormed(payload)
        const source = decoded?.startsWith('\ufeff') ? decoded.slice(1) : decoded
        let expected: { value: unknown } | undefined
        try {
          if (source !== undefined && payload.length > 0) expected = { value: JSON.parse(source) }
        } catch {}
        if (expected) {
          expect(code).toBeUndefined()
          expect(value).toEqual(expected.value)
        } else expect(code).toBe('INVALID_PAYLOAD')
      }),
      { numRuns: 3000 },
    )
  })

  it('text: exactly the UTF-8 text (BOM kept) or INVALID_PAYLOAD for ill-formed UTF-8', () => {
    const c = text()
    fc.assert(
      fc.property(payloadArb, (payload) => {
        let value: unknown
        const code = codeOf(() => {
          value = c.decode(payload)
        })
        const expected = wellFormed(payload)
        if (expected === undefined) expect(code).toBe('INVALID_PAYLOAD')
        else expect(value).toBe(expected)
      }),
      { numRuns: 3000 },
    )
  })

  it('bytes: the same bytes back, whatever they are', () => {
    const c = bytes()
    fc.assert(
      fc.property(payloadArb, (payload) => {
        expect(c.decode(payload)).toEqual(payload)
      }),
      { numRuns: 500 },
    )
  })

  it('the edge cases, spelled out', () => {
    const enc = (...b: number[]): Uint8Array => new Uint8Array(b)
    expect(json().decode(enc(...BOM, 0x7b, 0x7d))).toEqual({}) // BOM skipped
    expect(codeOf(() => json().decode(enc()))).toBe('INVALID_PAYLOAD') // empty: not JSON
    expect(codeOf(() => json().decode(enc(0x22, 0xc0, 0xaf, 0x22)))).toBe('INVALID_PAYLOAD') // overlong "/"
    expect(codeOf(() => json().decode(enc(...BOM, ...BOM, 0x31)))).toBe('INVALID_PAYLOAD') // one BOM only
    expect(text().decode(enc())).toBe('')
    expect(text().decode(enc(...BOM, 0x61))).toBe('\ufeffa')
    expect(text().decode(enc(0xef, 0xbf, 0xbd))).toBe('\ufffd') // a real U+FFFD is fine
    expect(codeOf(() => text().decode(enc(0x61, 0xed, 0xa0, 0x80)))).toBe('INVALID_PAYLOAD')
    // The JSON parser's message quotes the payload; the error does not.
    const error = (() => {
      try {
        json().decode(new Uint8Array(Buffer.from('{"token":"s3cret" nope')))
      } catch (caught) {
        return caught as Error
      }
      return undefined
    })()
    expect(error).toMatchObject({ code: 'INVALID_PAYLOAD' })
    expect(error?.message).not.toContain('s3cret')
    expect(error?.cause).toBeUndefined()
  })
})
