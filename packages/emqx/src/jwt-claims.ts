/**
 * Reads a JWT's claims without verifying it: the client only needs `username` and `clientid` to
 * connect under the identity the token is pinned to. EMQX does the verifying. Hand-written base64url
 * because mini-program runtimes lack `atob`, `Buffer`
 * and sometimes `TextDecoder`.
 */
export function readJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || !parts[1]) return undefined
  try {
    const claims: unknown = JSON.parse(utf8(base64url(parts[1])))
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function base64url(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  let bits = 0
  let value = 0
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const digit = ALPHABET.indexOf(text[i]!)
    if (digit < 0) throw new Error('not base64url')
    value = (value << 6) | digit
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[n++] = (value >> bits) & 0xff
    }
  }
  return out.subarray(0, n)
}

// `TextDecoder` is missing on older mini-program base libraries; percent-decoding is UTF-8 everywhere.
function utf8(bytes: Uint8Array): string {
  let escaped = ''
  for (const byte of bytes) escaped += `%${byte < 16 ? '0' : ''}${byte.toString(16)}`
  return decodeURIComponent(escaped)
}
