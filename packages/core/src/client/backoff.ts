import type { TidingsError } from '../errors.js'

/**
 * Reconnect policy: exponential backoff with full jitter.
 *
 * The defaults are chosen for fleets: when a broker restarts, every client loses its connection at the
 * same instant, and a 0–12 s first window spreads their return so the broker is not hit by all of them
 * at once (measured by `pnpm bench`: attempts in the first 5 s ≤ 0.2× MQTT.js's fixed 1 s period).
 * A single client that lost its network does not wait: transports with a platform lifecycle (mini-programs)
 * reconnect at once when the app returns to the foreground or the network comes back. Apps with few
 * clients per broker can pass a smaller `baseMs`.
 */
export interface ReconnectOptions {
  /** Upper bound of the first three delays; later ones double it, up to `capMs`. @default 12000 */
  baseMs?: number
  /** Largest delay. @default 60000 */
  capMs?: number
  /** Attempts after a connection loss before giving up with RECONNECT_EXHAUSTED. @default Infinity */
  maxAttempts?: number
  /**
   * Decides, after each failure, whether to try again and when, in the spirit of TanStack Query's
   * `retry`. Called with the number of the attempt that would come next (1-based, counted since the client
   * was last online) and the error that ended the last one (CONNECTION_LOST for a dropped connection).
   * Return `false` to give up, `true` for the jittered backoff above, or a delay in milliseconds.
   *
   * Giving up on a fatal error (NOT_AUTHORIZED, BANNED, CLIENT_ID_REJECTED, …) reports that error; giving
   * up on any other reports RECONNECT_EXHAUSTED with the last error as its cause.
   *
   * @default (attempt, error) => !isFatal(error) && attempt <= maxAttempts
   * @example
   * ```ts
   * // Keep retrying every 2 s, even after a refusal (a broker that rejects clients while it warms up).
   * reconnect: { retry: (attempt, error) => (attempt <= 30 ? 2000 : false) }
   * ```
   */
  retry?: RetryPolicy
}

/** See {@link ReconnectOptions.retry}. */
export type RetryPolicy = (attempt: number, error: TidingsError) => boolean | number

/** Resolved reconnect policy. */
export interface ReconnectPolicy {
  readonly baseMs: number
  readonly capMs: number
  readonly maxAttempts: number
}

export const reconnectDefaults: ReconnectPolicy = {
  baseMs: 12_000,
  capMs: 60_000,
  maxAttempts: Number.POSITIVE_INFINITY,
}

/** Attempts that keep the first window before it starts doubling. */
const FLAT_ATTEMPTS = 3

/**
 * Delay before retry number `attempt` (1-based): uniform in [0, window], where the window is `baseMs` for the
 * first three attempts and then doubles up to `capMs`.
 *
 * Full jitter spreads a fleet that lost its broker at the same instant across the whole window. The flat
 * start matters for the usual case, a broker restart of a few seconds: with a window that doubles from the
 * first retry, the unlucky tail of a fleet waits 40 s or more after the broker is back; with three flat
 * windows the whole fleet is back within about two windows, for the same number of attempts.
 */
export function backoffDelay(policy: ReconnectPolicy, attempt: number, random: () => number = Math.random): number {
  const doublings = Math.min(Math.max(0, attempt - FLAT_ATTEMPTS), 30)
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** doublings)
  return Math.floor(random() * ceiling)
}
