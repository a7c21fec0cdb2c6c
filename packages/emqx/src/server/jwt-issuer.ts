import {
  TidingsError,
  assertIdentifier,
  randomClientId,
  type CredentialIssuer,
  type CredentialRequest,
  type IssuedCredentials,
} from '@tidings/core'
import { checkCredentialRequest } from '@tidings/core/server'
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
  /** Longest `ttlSeconds` accepted. @default 86400 */
  maxTtlSeconds?: number
  /** Prefix of generated client ids. Keep ids short: EMQX allows 65535 characters, many brokers 23. @default 'web' */
  clientIdPrefix?: string
  /**
   * Extra claims, e.g. `{ aud: 'mqtt' }` to match a `verify_claims.aud`. Claims EMQX reads as authority are
   * refused with `INVALID_OPTIONS` (see {@link RESERVED_EMQX_CLAIMS}): `is_superuser` would switch the ACL
   * off, `client_attrs`/`clientid_override` change who the client is, and the ACL, `username`, `clientid`,
   * `exp`, `nbf` and `iat` are set by the issuer for each request.
   */
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
 * to `authorization.no_match`, which is `allow` by default on EMQX 5.
 *
 * Every request goes through core's `checkCredentialRequest` first: user and client ids such as `+` or
 * `..`, all-wildcard grants (`#`, `+/#`, `+/+/+`), `$` topics and a `ttlSeconds` above `maxTtlSeconds` are
 * refused, never widened or capped.
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
  if (typeof aclClaimName !== 'string' || aclClaimName.length === 0) throw invalid('aclClaimName must be a claim name')
  const extraClaims = checkExtraClaims(options.claims, aclClaimName)
  const maxTtl = options.maxTtlSeconds ?? 86_400
  if (!Number.isInteger(maxTtl) || maxTtl <= 0) throw invalid(`maxTtlSeconds must be a positive whole number`)
  const now = options.now ?? Date.now
  return {
    async issue(request: CredentialRequest): Promise<IssuedCredentials> {
      // One shared check of ids, grants and ttl; `+`, `+/+/+` or `..` never reach a token.
      const req = checkCredentialRequest(fillPlaceholders(request, options.clientIdPrefix ?? 'web'), {
        maxTtlSeconds: maxTtl,
      })
      const acl = buildAcl({ subscribe: req.subscribe, publish: req.publish }, { format: options.aclFormat ?? 'rules' })
      const clientId = req.clientId as string
      const iat = Math.floor(now() / 1000)
      const exp = iat + req.ttlSeconds
      const password = await new SignJWT({
        ...extraClaims,
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

/**
 * Claims EMQX's JWT authenticator reads as authority (emqx_authn_jwt, emqx_authn_utils), which
 * `claims` may not set: `is_superuser` skips every ACL, `client_attrs` and `clientid_override` change
 * the client's identity, `acl` is the default ACL claim, and the rest are set per request.
 */
export const RESERVED_EMQX_CLAIMS: readonly string[] = Object.freeze([
  'is_superuser',
  'client_attrs',
  'clientid_override',
  'acl',
  'username',
  'clientid',
  'exp',
  'nbf',
  'iat',
])

/**
 * Picks the client id, then fills whole-level `${username}`/`${clientid}` in the grants with the checked
 * ids, so the token holds plain topics: core refuses `${` in a grant because EMQX would expand it.
 */
function fillPlaceholders(req: CredentialRequest, clientIdPrefix: string): CredentialRequest {
  if (typeof req !== 'object' || req === null) return req
  assertIdentifier('userId', req.userId)
  const clientId = req.clientId ?? randomClientId(clientIdPrefix)
  assertIdentifier('clientId', clientId)
  const fill = (list: unknown): unknown =>
    Array.isArray(list)
      ? list.map((filter: unknown) =>
          typeof filter === 'string'
            ? filter
                .split('/')
                .map((level) => (level === '${username}' ? req.userId : level === '${clientid}' ? clientId : level))
                .join('/')
            : filter,
        )
      : list
  return { ...req, clientId, subscribe: fill(req.subscribe) as string[], publish: fill(req.publish) as string[] }
}

function checkExtraClaims(claims: unknown, aclClaimName: string): Record<string, unknown> {
  if (claims === undefined) return {}
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw invalid('claims must be an object')
  const copy: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(claims)) {
    // Compared case-blind: a claim that differs only in case is a mistake at best.
    const lower = name.toLowerCase()
    if (RESERVED_EMQX_CLAIMS.includes(lower) || lower === aclClaimName.toLowerCase()) {
      throw invalid(`claims may not set "${name}": EMQX reads it as authority, and the issuer sets it per request`)
    }
    copy[name] = value
  }
  return Object.freeze(copy)
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
