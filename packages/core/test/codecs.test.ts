import { describe, expect, it } from 'vitest'
import { Buffer } from 'node:buffer'
import { bytes, json, schema, text, type TidingsError } from '../src/index.js'
import type { StandardSchemaV1 } from '@standard-schema/spec'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('codecs', () => {
  it('json round-trips and refuses what JSON cannot encode', () => {
    const c = json<{ a: number[] }>()
    expect(c.decode(enc(c.encode({ a: [1, 2] }) as string))).toEqual({ a: [1, 2] })
    expect(() => c.encode(undefined as never)).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD' }))
    expect(() => c.decode(enc('{nope'))).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD' }))
  })

  it('text decodes UTF-8 from Buffers and plain views, including subarrays', () => {
    const c = text()
    expect(c.decode(Buffer.from('你好, bell 🔔'))).toBe('你好, bell 🔔')
    const backing = enc('xxhello')
    expect(c.decode(backing.subarray(2))).toBe('hello')
    expect(() => c.encode(5 as unknown as string)).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD' }))
  })

  it('bytes passes views through and checks the type on encode', () => {
    const v = new Uint8Array([1, 2, 3])
    expect(bytes().decode(v)).toBe(v)
    expect(() => bytes().encode('x' as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: 'INVALID_PAYLOAD' }),
    )
  })

  it('schema validates on decode and encode, sync and async', async () => {
    const positive: StandardSchemaV1<unknown, number> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) =>
          typeof value === 'number' && value > 0
            ? { value }
            : { issues: [{ message: 'must be a positive number', path: ['n'] }] },
      },
    }
    const c = schema(positive)
    expect(c.decode(enc('5'))).toBe(5)
    expect(() => c.decode(enc('-1'))).toThrow(/n: must be a positive number/)
    expect(c.encode(3)).toBe('3')
    expect(() => c.encode(-3)).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD' }))

    const later: StandardSchemaV1<unknown, string> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (v) => (typeof v === 'string' ? { value: v } : { issues: [{ message: 'string please' }] }),
      },
    }
    const a = schema(later)
    await expect(a.decode(enc('"ok"'))).resolves.toBe('ok')
    const failed = await Promise.resolve(a.decode(enc('1'))).catch((e: TidingsError) => e)
    expect((failed as TidingsError).code).toBe('INVALID_PAYLOAD')
  })
})
