import { createHmac, timingSafeEqual } from 'node:crypto'

// Small pieces of the sign-in checks, kept apart from the emulation's state machine.

/** Base64(HMAC-SHA1(secret, clientId)): Signature and DeviceCredential passwords. */
export function sign(secret: string, clientId: string): string {
  return createHmac('sha1', secret).update(clientId, 'utf8').digest('base64')
}

/** Constant-time comparison of two passwords. */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** JSON.parse that returns undefined instead of throwing. */
export function safeJson(payload: Buffer | string): unknown {
  try {
    return JSON.parse(payload.toString())
  } catch {
    return undefined
  }
}
