import { Buffer } from 'buffer'

// Text and base64 conversions for every runtime tidings supports. Mini-programs may lack TextEncoder,
// TextDecoder, atob and btoa; the `buffer` package is bundled into every browser and mini-program build of
// core anyway, so adapters use these instead of writing their own.

function view(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Decodes UTF-8. */
export function utf8(payload: Uint8Array): string {
  return view(payload).toString('utf8')
}

/** Encodes a string as UTF-8 (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8Bytes(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'utf8')
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

/** Standard base64 (RFC 4648 alphabet, `=` padding). */
export function toBase64(bytes: Uint8Array): string {
  return view(bytes).toString('base64')
}

/** Bytes of a base64 or base64url string (padding optional). */
export function fromBase64(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'base64')
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}
