import { describe, expect, it } from 'vitest'
import { fromBase64, toBase64, utf8, utf8Bytes } from '../src/index.js'

describe('encoding helpers', () => {
  it('round-trips UTF-8, with lone surrogates as U+FFFD like TextEncoder', () => {
    for (const text of ['', 'plain', '你好, bell 🔔', 'a\ud800b']) {
      expect([...utf8Bytes(text)]).toEqual([...new TextEncoder().encode(text)])
      expect(utf8(utf8Bytes(text))).toBe(new TextDecoder().decode(new TextEncoder().encode(text)))
    }
  })

  it('encodes standard base64 and decodes standard and url-safe forms', () => {
    expect(toBase64(new Uint8Array([]))).toBe('')
    expect(toBase64(new Uint8Array([0xff, 0xfe, 0xfd, 0x01]))).toBe('//79AQ==')
    expect(toBase64(utf8Bytes('你好'))).toBe('5L2g5aW9')
    expect([...fromBase64('//79AQ==')]).toEqual([0xff, 0xfe, 0xfd, 0x01])
    expect([...fromBase64('__79AQ')]).toEqual([0xff, 0xfe, 0xfd, 0x01])
    // A subarray view encodes only its own bytes.
    expect(toBase64(new Uint8Array([9, 0x61, 0x62, 9]).subarray(1, 3))).toBe('YWI=')
  })
})
