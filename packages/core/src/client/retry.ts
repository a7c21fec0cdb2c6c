import { TidingsError, type TidingsErrorCode } from '../errors.js'
import { backoffDelay, reconnectDefaults, type ReconnectOptions, type RetryPolicy } from './backoff.js'

/**
 * Errors that end reconnecting: trying again with the same credentials and options cannot succeed.
 * The one list of them; CONNACK reason codes map to these codes in reason-codes.ts.
 */
const FATAL_CODES: ReadonlySet<TidingsErrorCode> = new Set<TidingsErrorCode>([
  'NOT_AUTHORIZED',
  'BANNED',
  'CLIENT_ID_REJECTED',
  'PROTOCOL_ERROR',
  'TLS_UNTRUSTED',
  'INVALID_CLIENT_ID',
  'INVALID_OPTIONS',
  'UNSUPPORTED',
  'PAYLOAD_TOO_LARGE',
])

/**
 * True when retrying after this error cannot help (NOT_AUTHORIZED, BANNED, CLIENT_ID_REJECTED,
 * PROTOCOL_ERROR, TLS_UNTRUSTED, …): the default `reconnect.retry` gives up on these. For custom policies:
 * `retry: (attempt, error) => !isFatal(error) && attempt <= 10 && 1000`.
 */
export function isFatal(error: TidingsError): boolean {
  return FATAL_CODES.has(error.code)
}

/** What to do after a failure: stop, or try again after `delayMs`. */
export type RetryDecision = { readonly retry: false } | { readonly retry: true; readonly delayMs: number }

/** The client's resolved retry policy: the user's `retry`, or today's default built from the backoff options. */
export type RetryRule = (attempt: number, error: TidingsError) => RetryDecision

/** Resolves `reconnect` options into one rule; undefined when reconnecting is off. */
export function retryRule(options: ReconnectOptions | false | undefined, random?: () => number): RetryRule | undefined {
  if (options === false) return undefined
  const policy = { ...reconnectDefaults, ...options }
  // Math.random is looked up per delay (not captured here), so a stubbed one applies to a live client.
  const backoff = (attempt: number): number => backoffDelay(policy, attempt, random ?? Math.random)
  const decide: RetryPolicy = options?.retry ?? ((attempt, error) => !isFatal(error) && attempt <= policy.maxAttempts)
  return (attempt, error) => {
    const answer = decide(attempt, error)
    if (answer === false) return { retry: false }
    if (answer === true) return { retry: true, delayMs: backoff(attempt) }
    // A bad answer from user code must not stall the client: anything but a delay ≥ 0 means "backoff".
    return { retry: true, delayMs: answer >= 0 ? answer : backoff(attempt) }
  }
}

/** What a call made after the client gave up reconnecting rejects with: NOT_CONNECTED, the last failure as cause. */
export function notConnected(adapter: string, cause: TidingsError, topic?: string): TidingsError {
  return new TidingsError('NOT_CONNECTED', `client is offline: ${cause.message}`, {
    adapter,
    cause,
    ...(topic ? { topic } : {}),
  })
}
