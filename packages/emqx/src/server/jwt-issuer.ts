import {
  TidingsError,
  randomClientId,
  type CredentialIssuer,
  type CredentialRequest,
  type IssuedCredentials,
} from '@tidings/core'
import { SignJWT, importPKCS8, type CryptoKey } from 'jose'
import type { KeyObject } from 'node:crypto'
import { buildAcl } from './acl.js'

/** HMAC algorithms (EMQX `algorithm = "hmac-based"`). */
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512'
/** Public-key algorithms (EMQX `algorithm = "public-key"`). */
export type PublicKeyAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'

/** Options shared by both key kinds of {@link emqxCredentialIssuer}. */
export interface EmqxCredentialIssuerCommonOptions {
  /**
   * ACL claim format: `'rules'` for EMQX ≥ 5.5 (a list always ending in deny-all), `'map'` for the older
   * `pub`/`sub` whitelist that EMQX < 5.5 and 4.x understand.
   * @default 'rules'
   */
  aclFormat?: 'rules' | 'map'
  /** Must match the broker's `acl_claim_name`. @default 'acl' */
  aclClaimName?: string
  /** Allow ACL filters that grant the whole tree (`#`, `+/#`). @default false */
  allowWholeTree?: boolean
  /** Longest `ttlSeconds` accepted. @default 86400 */
  maxTtlSeconds?: number
  /** Prefix of generated client ids. Keep ids short: EMQX allows 65535 characters, many brokers 23. @default 'web' */
  clientIdPrefix?: string
  /** Extra claims, e.g. `{ aud: 'mqtt' }` to match a `verify_claims.aud`. Cannot override the ones set here. */
  claims?: Record<string, unknown>
  /** Clock, for tests. @default Date.now */
  now?: () => number
}

/** Options of {@link emqxCredentialIssuer}: an HMAC secret or a private key. */
export type EmqxCredentialIssuerOptions = EmqxCredentialIssuerCommonOptions &
  (
    | { secret: string | Uint8Array; algorithm?: HmacAlgorithm; privateKey?: never }
    | { privateKey: string | CryptoKey | KeyObject; algorithm: PublicKeyAlgorithm; secret?: never }
  )

/**
 * Issues short-lived, least-privilege EMQX JWTs for browsers and mini-programs: the token is the MQTT
 * password. Claims: `username` (the user id), `clientid`, `iat`, always `exp` (EMQX treats `exp` as
 * optional: a token without one would never expire), and the ACL claim. The list-format ACL always
 * ends with `{"permission":"deny","action":"all","topic":"#"}`, because an unmatched rule falls through
 * to `authorization.no_match`, which is `allow` by default.
 *
 * The matching broker config (EMQX 5, `emqx.conf`):
 * ```hocon
 * authentication = [{
 *   mechanism = jwt
 *   from = password
 *   use_jwks = false
 *   algorithm = "hmac-based"            # or "public-key" with public_key = "-----BEGIN PUBLIC KEY-----…"
 *   secret = "<the same secret>"
 *   secret_base64_encoded = false
 *   acl_claim_name = "acl"
 *   verify_claims { username = "${username}", clientid = "${clientid}" }
 *   disconnect_after_expire = true
 * }]
 * ```
 *
 * @example
 * ```ts
 * const issuer = emqxCredentialIssuer({ secret: process.env.EMQX_JWT_SECRET! })
 * const creds = await issuer.issue({ userId: '42', subscribe: ['user/42/#'], publish: ['user/42/up/#'], ttlSeconds: 600 })
 * // hand `creds` to the browser; jwtAuth({ fetchToken }) connects with it
 * ```
 */
export function emqxCredentialIssuer(options: EmqxCredentialIssuerOptions): CredentialIssuer {
  const algorithm = options?.algorithm ?? 'HS256'
  const key = signingKey(options, algorithm)
  // A bad key is reported by the first issue(); don't let it surface earlier as an unhandled rejection.
  key.catch(() => {})
  const aclClaimName = options.aclClaimName ?? 'acl'
  const maxTtl = options.maxTtlSeconds ?? 86_400
  const now = options.now ?? Date.now
  return {
    async issue(req: CredentialRequest): Promise<IssuedCredentials> {
      if (typeof req?.userId !== 'string' || req.userId.length === 0) {
        throw new TidingsError('INVALID_OPTIONS', 'issue() needs a non-empty userId', { adapter: 'emqx' })
      }
      if (!Number.isInteger(req.ttlSeconds) || req.ttlSeconds <= 0 || req.ttlSeconds > maxTtl) {
        throw new TidingsError(
          'INVALID_OPTIONS',
          `ttlSeconds must be a whole number from 1 to ${maxTtl}, got ${String(req.ttlSeconds)}`,
          { adapter: 'emqx' },
        )
      }
      const acl = buildAcl(
        { subscribe: req.subscribe, publish: req.publish },
        { format: options.aclFormat ?? 'rules', allowWholeTree: options.allowWholeTree === true },
      )
      const clientId = req.clientId ?? randomClientId(options.clientIdPrefix ?? 'web')
      const iat = Math.floor(now() / 1000)
      const exp = iat + req.ttlSeconds
      const password = await new SignJWT({
        ...options.claims,
        username: req.userId,
        clientid: clientId,
        [aclClaimName]: acl,
      })
        .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(await key)
      return { clientId, username: req.userId, password, expiresAt: new Date(exp * 1000) }
    },
  }
}

function signingKey(
  options: EmqxCredentialIssuerOptions,
  algorithm: string,
): Promise<Uint8Array | CryptoKey | KeyObject> {
  if (options?.secret !== undefined) {
    if (!algorithm.startsWith('HS')) throw invalid(`a secret signs HS256/384/512 only, not ${algorithm}`)
    const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret
    // RFC 7518 §3.2: an HMAC key must be at least as long as the hash.
    const minBytes = Number(algorithm.slice(2)) / 8
    if (secret.byteLength < minBytes) throw invalid(`the secret must be at least ${minBytes} bytes for ${algorithm}`)
    return Promise.resolve(secret)
  }
  if (options?.privateKey === undefined)
    throw invalid('emqxCredentialIssuer needs { secret } or { privateKey, algorithm }')
  if (algorithm.startsWith('HS')) throw invalid(`a private key cannot sign ${algorithm}`)
  if (typeof options.privateKey !== 'string') return Promise.resolve(options.privateKey)
  return importPKCS8(options.privateKey, algorithm).catch((cause: unknown) => {
    throw new TidingsError('INVALID_OPTIONS', 'privateKey is not a PKCS#8 PEM key for this algorithm', {
      adapter: 'emqx',
      cause,
    })
  })
}

function invalid(message: string): TidingsError {
  return new TidingsError('INVALID_OPTIONS', `emqxCredentialIssuer: ${message}`, { adapter: 'emqx' })
}
