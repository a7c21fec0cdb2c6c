/** Reconnect policy: exponential backoff with full jitter. */
export interface ReconnectOptions {
  /** Upper bound of the first delay; each later attempt doubles it. @default 1000 */
  baseMs?: number
  /** Largest delay. @default 30000 */
  capMs?: number
  /** Attempts after a connection loss before giving up with RECONNECT_EXHAUSTED. @default Infinity */
  maxAttempts?: number
}

/** Resolved reconnect policy. */
export interface ReconnectPolicy {
  readonly baseMs: number
  readonly capMs: number
  readonly maxAttempts: number
}

export const reconnectDefaults: ReconnectPolicy = { baseMs: 1000, capMs: 30_000, maxAttempts: Number.POSITIVE_INFINITY }

/**
 * Delay before retry number `attempt` (1-based): uniform in [0, min(cap, base·2^(attempt-1))].
 * Full jitter spreads a fleet that lost its broker at the same instant across the whole window, so the
 * broker is not hit by every client at once when it comes back.
 */
export function backoffDelay(policy: ReconnectPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30))
  return Math.floor(random() * ceiling)
}
