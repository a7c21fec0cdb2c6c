import type { AliyunMqttApi, TokenActions } from './api.js'

/** A token and its absolute expiry (epoch ms), as sent in ExpireTime. */
export interface CachedToken {
  token: string
  expiresAt: number
}

/** ApplyToken results kept per (actions, sorted resources); see {@link createTokenCache}. */
export interface TokenCache {
  /** A token for exactly these resources that expires no later than `ttlSeconds` from now. */
  token(actions: TokenActions, resources: readonly string[], ttlSeconds: number): Promise<CachedToken>
  /** Drops every cached entry holding one of `tokens`. */
  forget(tokens: readonly string[]): Promise<void>
}

/**
 * ApplyToken is billed and rate-limited, so tokens are reused, but never beyond what a request asked for:
 * a cached token is handed out only if it expires no later than `now + ttlSeconds` (a 60 s request never
 * gets a day-long token applied for earlier) and still has at least half of `ttlSeconds` left. Entries
 * are promises, so concurrent identical requests share one ApplyToken call.
 */
export function createTokenCache(api: AliyunMqttApi, maxEntries: number): TokenCache {
  const entries = new Map<string, Promise<CachedToken>>()

  return {
    async token(actions, resources, ttlSeconds) {
      const sorted = [...new Set(resources)].sort()
      const key = `${actions} ${sorted.join(',')}`
      const ttlMs = ttlSeconds * 1000
      const cached = entries.get(key)
      if (cached) {
        const hit = await cached.catch(() => undefined)
        const now = Date.now()
        if (hit && hit.expiresAt <= now + ttlMs && hit.expiresAt - now >= ttlMs / 2) return hit
        if (entries.get(key) === cached) entries.delete(key)
      }
      const expiresAt = Date.now() + ttlMs
      const pending = api
        .applyToken({ resources: sorted, actions, expireTime: expiresAt })
        .then(({ token }) => ({ token, expiresAt }))
      entries.set(key, pending)
      pending.catch(() => entries.get(key) === pending && entries.delete(key))
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string)
      return pending
    },
    async forget(tokens) {
      for (const [key, entry] of [...entries]) {
        const hit = await entry.catch(() => undefined)
        if (hit && tokens.includes(hit.token)) entries.delete(key)
      }
    },
  }
}
