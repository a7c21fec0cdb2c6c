import { TidingsError, type CredentialIssuer, type CredentialRequest, type IssuedCredentials } from '@tidings/core'
import { checkCredentialRequest } from '@tidings/core/server'
import { formatTokenPassword, tokenTypeOf, type TokenSet } from '../auth/token-format.js'
import { BROKER_NAME, assertClientId, assertGroupId } from '../names.js'
import type { AliyunMqttApi, TokenActions } from './api.js'
import { assertRoomForDeviceId, generateClientId } from './client-id.js'
import { assertAliyunResource } from './grants.js'
import { createTokenCache } from './token-cache.js'

/** Options of {@link aliyunCredentialIssuer}. */
export interface AliyunCredentialIssuerOptions {
  /** Group id for client ids the issuer picks (when a request has no `clientId`). At most 49 characters. */
  groupId?: string
  /** Most cached tokens; the oldest are dropped beyond it. @default 1000 */
  cacheSize?: number
  /**
   * Longest `ttlSeconds` a request may ask for. Longer requests are refused with `INVALID_OPTIONS`, never
   * shortened silently. At most Aliyun's own limit of 30 days (2592000).
   * @default 86400
   */
  maxTtlSeconds?: number
}

/** A {@link CredentialIssuer} for Token mode that can also revoke what it issued. */
export interface AliyunCredentialIssuer extends CredentialIssuer {
  /** Revokes a token (or every token of a Token-mode password) and forgets it, so it is never handed out again. */
  revoke(tokenOrPassword: string): Promise<void>
}

/** Aliyun's shortest and longest token lifetimes. */
const MIN_TTL_S = 60
const ALIYUN_MAX_TTL_S = 30 * 24 * 3600
const DEFAULT_MAX_TTL_S = 24 * 3600

/**
 * Issues Token-mode credentials through ApplyToken: an `R` token for `subscribe`, a `W` token for `publish`
 * (one `RW` token when both lists are equal).
 *
 * Every request is checked before anything is applied for: user and client ids and every grant by core's
 * `checkCredentialRequest` (no `,` that would split ApplyToken's comma-joined resource list, no `+`/`#`
 * smuggled in through a user id, no `$` topics, no all-wildcard grants), then every grant by Aliyun's topic
 * rules. `ttlSeconds` must lie between Aliyun's minimum of 60 s and `maxTtlSeconds`.
 *
 * Tokens are cached per (actions, sorted resources), because ApplyToken is billed and rate-limited. A cached
 * token is handed out only if it expires no later than the request asked and still has at least half the
 * requested lifetime left. Tokens are not bound to a client id: the resources are the authority.
 */
export function aliyunCredentialIssuer(
  api: AliyunMqttApi,
  options: AliyunCredentialIssuerOptions = {},
): AliyunCredentialIssuer {
  if (options.groupId !== undefined) {
    assertGroupId(options.groupId)
    assertRoomForDeviceId(options.groupId)
  }
  const maxTtlSeconds = options.maxTtlSeconds ?? DEFAULT_MAX_TTL_S
  if (!Number.isInteger(maxTtlSeconds) || maxTtlSeconds < MIN_TTL_S || maxTtlSeconds > ALIYUN_MAX_TTL_S) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `aliyunCredentialIssuer: maxTtlSeconds must be a whole number from ${MIN_TTL_S} to ${ALIYUN_MAX_TTL_S} (30 days), got ${String(maxTtlSeconds)}`,
      { adapter: BROKER_NAME },
    )
  }
  const cache = createTokenCache(api, options.cacheSize ?? 1000)

  return {
    async issue(request: CredentialRequest): Promise<IssuedCredentials> {
      const req = checkCredentialRequest(request, { maxTtlSeconds, allowDollar: false })
      const { subscribe, publish, ttlSeconds } = req
      if (subscribe.length === 0 && publish.length === 0) {
        throw new TidingsError(
          'INVALID_OPTIONS',
          'aliyunCredentialIssuer: a request needs subscribe or publish topics',
          { adapter: BROKER_NAME },
        )
      }
      if (ttlSeconds < MIN_TTL_S) {
        throw new TidingsError(
          'INVALID_OPTIONS',
          `aliyunCredentialIssuer: ttlSeconds ${ttlSeconds} is below Aliyun's minimum token lifetime of ${MIN_TTL_S}`,
          { adapter: BROKER_NAME },
        )
      }
      for (const resource of [...subscribe, ...publish]) assertAliyunResource(resource)
      const clientId = req.clientId ?? pickClientId(options.groupId, req.userId)
      assertClientId(clientId)
      const same = subscribe.length > 0 && sameSet(subscribe, publish)
      const grants: Array<[TokenActions, readonly string[]]> = same ? [['R,W', subscribe]] : []
      if (!same && subscribe.length > 0) grants.push(['R', subscribe])
      if (!same && publish.length > 0) grants.push(['W', publish])
      const issued = await Promise.all(
        grants.map(async ([actions, resources]) => ({
          actions,
          ...(await cache.token(actions, resources, ttlSeconds)),
        })),
      )
      const tokens: TokenSet = {}
      for (const { actions, token } of issued) tokens[tokenTypeOf(actions)] = token
      return {
        clientId,
        username: `Token|${api.accessKeyId}|${api.instanceId}`,
        password: formatTokenPassword(tokens),
        // The earliest expiry: the connection fails once any of its tokens expires.
        expiresAt: new Date(Math.min(...issued.map((i) => i.expiresAt))),
      }
    },
    async revoke(tokenOrPassword) {
      const parts = tokenOrPassword.split('|')
      const tokens = parts.length > 1 ? parts.filter((_, i) => i % 2 === 1) : parts
      await cache.forget(tokens)
      for (const token of tokens) await api.revokeToken(token)
    },
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a)
  const y = new Set(b)
  return x.size === y.size && [...x].every((v) => y.has(v))
}

function pickClientId(groupId: string | undefined, userId: string): string {
  if (!groupId) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      'aliyunCredentialIssuer: pass clientId in the request, or groupId to the issuer',
      { adapter: BROKER_NAME },
    )
  }
  return generateClientId(groupId, userId)
}
