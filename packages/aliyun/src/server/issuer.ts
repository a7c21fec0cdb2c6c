import { TidingsError, type CredentialIssuer, type CredentialRequest, type IssuedCredentials } from '@tidings/core'
import { formatTokenPassword, tokenTypeOf, type TokenSet } from '../auth/token-format.js'
import { BROKER_NAME, assertClientId, assertGroupId } from '../names.js'
import type { AliyunMqttApi, TokenActions } from './api.js'

/** Options of {@link aliyunCredentialIssuer}. */
export interface AliyunCredentialIssuerOptions {
  /** Group id for client ids the issuer picks (when a request has no `clientId`). */
  groupId?: string
  /** Most cached tokens; the oldest are dropped beyond it. @default 1000 */
  cacheSize?: number
}

/** A {@link CredentialIssuer} for Token mode that can also revoke what it issued. */
export interface AliyunCredentialIssuer extends CredentialIssuer {
  /** Revokes a token (or every token of a Token-mode password) and forgets it, so it is never handed out again. */
  revoke(tokenOrPassword: string): Promise<void>
}

const MIN_TTL_S = 60
const MAX_TTL_S = 30 * 24 * 3600

/**
 * Issues Token-mode credentials through ApplyToken: an `R` token for `subscribe`, a `W` token for `publish`
 * (one `RW` token when both lists are equal). TTLs are clamped to Aliyun's 60 s – 30 d; tokens are cached per
 * (actions, sorted resources) and reused while at least half the requested TTL remains, because ApplyToken
 * is billed and rate-limited. Tokens are not bound to a client id: the resources are the authority.
 */
export function aliyunCredentialIssuer(
  api: AliyunMqttApi,
  options: AliyunCredentialIssuerOptions = {},
): AliyunCredentialIssuer {
  if (options.groupId !== undefined) assertGroupId(options.groupId)
  const cacheSize = options.cacheSize ?? 1000
  const cache = new Map<string, Promise<{ token: string; expiresAt: number }>>()

  const tokenFor = async (
    actions: TokenActions,
    resources: string[],
    ttlSeconds: number,
  ): Promise<{ token: string; expiresAt: number }> => {
    const sorted = [...new Set(resources)].sort()
    const key = `${actions} ${sorted.join(',')}`
    const now = Date.now()
    const cached = cache.get(key)
    if (cached) {
      const hit = await cached.catch(() => undefined)
      if (hit && hit.expiresAt - now >= (ttlSeconds / 2) * 1000) return hit
      if (cache.get(key) === cached) cache.delete(key)
    }
    const expiresAt = now + ttlSeconds * 1000
    const pending = api
      .applyToken({ resources: sorted, actions, expireTime: expiresAt })
      .then(({ token }) => ({ token, expiresAt }))
    cache.set(key, pending)
    pending.catch(() => cache.get(key) === pending && cache.delete(key))
    while (cache.size > cacheSize) cache.delete(cache.keys().next().value as string)
    return pending
  }

  return {
    async issue(req: CredentialRequest): Promise<IssuedCredentials> {
      const subscribe = req?.subscribe ?? []
      const publish = req?.publish ?? []
      if (subscribe.length === 0 && publish.length === 0) {
        throw new TidingsError(
          'INVALID_OPTIONS',
          'aliyunCredentialIssuer: a request needs subscribe or publish topics',
          { adapter: BROKER_NAME },
        )
      }
      if (typeof req.ttlSeconds !== 'number' || !Number.isFinite(req.ttlSeconds)) {
        throw new TidingsError('INVALID_OPTIONS', 'aliyunCredentialIssuer: ttlSeconds must be a number', {
          adapter: BROKER_NAME,
        })
      }
      const ttl = Math.min(Math.max(Math.floor(req.ttlSeconds), MIN_TTL_S), MAX_TTL_S)
      const clientId = req.clientId ?? pickClientId(options.groupId, req.userId)
      assertClientId(clientId)
      const same = subscribe.length > 0 && sameSet(subscribe, publish)
      const grants: Array<[TokenActions, string[]]> = same ? [['R,W', subscribe]] : []
      if (!same && subscribe.length > 0) grants.push(['R', subscribe])
      if (!same && publish.length > 0) grants.push(['W', publish])
      const issued = await Promise.all(
        grants.map(async ([actions, resources]) => ({ actions, ...(await tokenFor(actions, resources, ttl)) })),
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
      for (const [key, entry] of [...cache]) {
        const hit = await entry.catch(() => undefined)
        if (hit && tokens.includes(hit.token)) cache.delete(key)
      }
      for (const token of tokens) await api.revokeToken(token)
    },
  }
}

function sameSet(a: string[], b: string[]): boolean {
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
  // Letters, digits, - and _ only; a random suffix keeps two tabs of one user from kicking each other off.
  const user = String(userId ?? '')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 64 - groupId.length - 3 - 9)
  let suffix = ''
  for (let i = 0; i < 8; i++) suffix += Math.floor(Math.random() * 36).toString(36)
  return `${groupId}@@@${user}_${suffix}`
}
