import { fromBase64, utf8 } from '@tidings/core'

/**
 * Reads a JWT's claims without verifying it: the client only needs `username` and `clientid` to
 * connect under the identity the token is pinned to. EMQX does the verifying.
 */
export function readJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || !parts[1]) return undefined
  try {
    const claims: unknown = JSON.parse(utf8(fromBase64(parts[1])))
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}
