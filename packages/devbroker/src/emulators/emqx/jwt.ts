import { compactVerify, type CryptoKey } from 'jose'
import type { KeyObject } from 'node:crypto'

/** Why EMQX refused a token: `ignore` falls through to the next authenticator (none here: refused). */
export type JwtVerdict =
  | { ok: true; claims: Record<string, unknown>; exp: number | undefined }
  | { ok: false; outcome: 'ignore' | 'bad_username_or_password'; reason: string }

/** The parts of EMQX's JWT authenticator config the emulator follows. */
export interface JwtCheck {
  key: Uint8Array | KeyObject | CryptoKey
  algorithms: string[]
  /** Expected claim values, already rendered from the CONNECT packet. */
  expected: Record<string, string>
  nowSeconds: number
}

/**
 * Verifies a token as `emqx_authn_jwt` does: the signature against the allowed algorithms (a bad one
 * is `ignore`), then `exp` and `nbf` only when present (numeric strings count), then every
 * `verify_claims` entry (missing or different: refused).
 */
export async function verifyEmqxJwt(token: string, check: JwtCheck): Promise<JwtVerdict> {
  let claims: Record<string, unknown>
  try {
    const { payload } = await compactVerify(token, check.key, { algorithms: check.algorithms })
    const parsed: unknown = JSON.parse(new TextDecoder().decode(payload))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('claims are not an object')
    claims = parsed as Record<string, unknown>
  } catch (error) {
    return {
      ok: false,
      outcome: 'ignore',
      reason: `invalid signature or token: ${error instanceof Error ? error.message : String(error)}`,
    }
  }
  const exp = numeric(claims.exp)
  if (claims.exp !== undefined && (exp === undefined || check.nowSeconds >= exp)) {
    return { ok: false, outcome: 'bad_username_or_password', reason: 'token expired' }
  }
  const nbf = numeric(claims.nbf)
  if (claims.nbf !== undefined && (nbf === undefined || check.nowSeconds < nbf)) {
    return { ok: false, outcome: 'bad_username_or_password', reason: 'token not valid yet' }
  }
  for (const [name, value] of Object.entries(check.expected)) {
    const actual = claims[name]
    if (actual === undefined) return { ok: false, outcome: 'bad_username_or_password', reason: `missing claim ${name}` }
    const matches = Array.isArray(actual) ? actual.includes(value) : actual === value
    if (!matches) return { ok: false, outcome: 'bad_username_or_password', reason: `claim ${name} does not match` }
  }
  return { ok: true, claims, exp }
}

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value)
  return undefined
}
