import { TidingsError } from '../errors.js'
import type { CloseInfo } from '../transport/socket-stream.js'
import { isFatal, type RetryRule } from './retry.js'
import type { ClientState, StateInfo } from './types.js'

/**
 * The connection cycle (attempt → backoff → give up) as a pure function: `transition(state, event, rules)`
 * returns the next state and the effects to run. It never touches a socket, a timer or a promise; the
 * client runs the effects. Every decision about connecting is made here, once.
 */
export interface ConnectionState {
  readonly status: ClientState
  /** Attempts made since the client was last online: 0 for the first attempt of `connect()`. */
  readonly attempt: number
  /** An attempt is open: credentials being fetched, or the transport waiting for CONNACK. */
  readonly attempting: boolean
  /** The one extra attempt after NOT_AUTHORIZED (fresh credentials from the profile) was used. */
  readonly authRetryUsed: boolean
  /** Set when the client gave up; publishes and subscribes then fail fast instead of waiting. */
  readonly gaveUp: TidingsError | undefined
  /** Passed to the profile on the next attempt: why credentials are asked for again. */
  readonly previous: TidingsError | undefined
}

/** A new client: offline, never tried. */
export const initialConnection: ConnectionState = {
  status: 'offline',
  attempt: 0,
  attempting: false,
  authRetryUsed: false,
  gaveUp: undefined,
  previous: undefined,
}

/** What happened. */
export type ConnectionEvent =
  | { readonly type: 'connect' }
  /** The open attempt ended without CONNACK (or its credentials could not be fetched). */
  | { readonly type: 'failed'; readonly error: TidingsError; readonly close?: CloseInfo | undefined }
  | { readonly type: 'online'; readonly sessionPresent: boolean }
  /** An established connection dropped; `resumed` when it was found on the app's return to the foreground. */
  | {
      readonly type: 'lost'
      readonly error: TidingsError
      readonly close?: CloseInfo | undefined
      readonly resumed: boolean
    }
  /** The backoff timer fired. */
  | { readonly type: 'due' }
  /** The platform says the network or app is back: skip the rest of the backoff. */
  | { readonly type: 'resume' }
  | { readonly type: 'close' }

/** What the client must do. */
export type ConnectionEffect =
  | { readonly type: 'state'; readonly state: ClientState; readonly info: StateInfo }
  /** Fetch credentials and open the transport (attempt number and the error that asks for fresh credentials). */
  | { readonly type: 'open'; readonly attempt: number; readonly previous: TidingsError | undefined }
  | { readonly type: 'wait'; readonly delayMs: number }
  | { readonly type: 'cancel' }
  /** Tell `error` listeners about a failed attempt. */
  | { readonly type: 'report'; readonly error: TidingsError }
  /** Online: restore subscriptions (all of them unless the broker kept the session), flush publishes. */
  | { readonly type: 'online'; readonly sessionPresent: boolean }
  /**
   * Stop trying: reject `connect()` callers and everything waiting. `reported` says whether the error
   * already reached the app (then it is not reported again when nobody awaits `connect()`).
   */
  | { readonly type: 'give-up'; readonly error: TidingsError; readonly reported: 'yes' | 'if-listened' | 'no' }

/** The fixed inputs of the transition. */
export interface ConnectionRules {
  /** Undefined when `reconnect: false`. */
  readonly retry: RetryRule | undefined
  /** The profile may return fresh credentials after NOT_AUTHORIZED: try once more before giving up. */
  readonly refreshesCredentials: boolean
  readonly adapter: string
}

/** The result of one step. */
export interface Transition {
  readonly state: ConnectionState
  readonly effects: readonly ConnectionEffect[]
}

/** One step of the connection cycle. */
export function transition(state: ConnectionState, event: ConnectionEvent, rules: ConnectionRules): Transition {
  if (state.status === 'closed') return stay(state)
  switch (event.type) {
    case 'connect':
      // connect() while connecting or reconnecting only waits for the cycle already running.
      if (state.status !== 'offline') return stay(state)
      return enter({ ...initialConnection, status: 'connecting', attempting: true }, state, {}, [
        { type: 'open', attempt: 0, previous: undefined },
      ])
    case 'online':
      if (!state.attempting) return stay(state)
      return enter({ ...initialConnection, status: 'online' }, state, {}, [
        { type: 'online', sessionPresent: event.sessionPresent },
      ])
    case 'failed':
      if (!state.attempting) return stay(state)
      return attemptFailed({ ...state, attempting: false }, event.error, event.close, rules)
    case 'lost':
      if (state.status !== 'online') return stay(state)
      return lost(state, event, rules)
    case 'due':
    case 'resume':
      if (state.status !== 'reconnecting' || state.attempting) return stay(state)
      return {
        state: { ...state, attempting: true, previous: undefined },
        effects: [
          ...(event.type === 'resume' ? [{ type: 'cancel' } as const] : []),
          { type: 'open', attempt: state.attempt, previous: state.previous },
        ],
      }
    case 'close':
      return enter({ ...state, status: 'closed', attempting: false }, state, {}, [{ type: 'cancel' }])
  }
}

/** No change. */
function stay(state: ConnectionState): Transition {
  return { state, effects: [] }
}

function attemptFailed(
  state: ConnectionState,
  error: TidingsError,
  close: CloseInfo | undefined,
  rules: ConnectionRules,
): Transition {
  const report: ConnectionEffect = { type: 'report', error }
  const closed = close ? { close } : {}
  // The first attempt of connect() reports straight back to the caller rather than retrying silently.
  if (state.status === 'connecting') return giveUp(state, error, closed, 'yes', [report])
  const next = state.attempt + 1
  if (error.code === 'NOT_AUTHORIZED' && rules.refreshesCredentials && !state.authRetryUsed) {
    // Credentials may simply have expired (a JWT at `exp`): ask the profile once more, then stop.
    return retryAfter({ ...state, attempt: next, authRetryUsed: true, previous: error }, error, 0, closed, [report])
  }
  const decision = rules.retry?.(next, error) ?? { retry: false }
  if (decision.retry) return retryAfter({ ...state, attempt: next }, error, decision.delayMs, closed, [report])
  if (!rules.retry || isFatal(error)) return giveUp(state, error, closed, 'if-listened', [report])
  const exhausted = new TidingsError(
    'RECONNECT_EXHAUSTED',
    `gave up after ${state.attempt} reconnect attempts: ${error.message}`,
    {
      adapter: rules.adapter,
      cause: error,
      ...(error.reasonCode !== undefined ? { reasonCode: error.reasonCode } : {}),
    },
  )
  return giveUp(state, exhausted, closed, 'no', [report])
}

function lost(
  state: ConnectionState,
  event: Extract<ConnectionEvent, { type: 'lost' }>,
  rules: ConnectionRules,
): Transition {
  const { error } = event
  const closed = event.close ? { close: event.close } : {}
  const fresh: ConnectionState = { ...state, attempt: 0, authRetryUsed: false }
  if (!rules.retry) return giveUp(fresh, error, closed, 'no', [])
  if (event.resumed) {
    // A connection that died while the app was suspended often reports its close only after the app is
    // back: reconnect now rather than after a backoff, and without a timer (a resuming runtime may still
    // be running its queued callbacks).
    const next: ConnectionState = { ...fresh, status: 'reconnecting', attempt: 1, attempting: true }
    return enter(next, state, { error, attempt: 1, delayMs: 0, ...closed }, [
      { type: 'open', attempt: 1, previous: undefined },
    ])
  }
  const decision = rules.retry(1, error)
  if (!decision.retry) return giveUp(fresh, error, closed, 'no', [])
  return retryAfter({ ...fresh, attempt: 1 }, error, decision.delayMs, closed, [])
}

function retryAfter(
  state: ConnectionState,
  error: TidingsError,
  delayMs: number,
  closed: StateInfo,
  before: ConnectionEffect[],
): Transition {
  const next: ConnectionState = { ...state, status: 'reconnecting', attempting: false }
  return enter(next, state, { error, attempt: next.attempt, delayMs, ...closed }, [
    ...before,
    { type: 'wait', delayMs },
  ])
}

function giveUp(
  state: ConnectionState,
  error: TidingsError,
  closed: StateInfo,
  reported: 'yes' | 'if-listened' | 'no',
  before: ConnectionEffect[],
): Transition {
  const next: ConnectionState = { ...state, status: 'offline', attempting: false, gaveUp: error, previous: undefined }
  return enter(next, state, { error, ...closed }, [...before, { type: 'cancel' }, { type: 'give-up', error, reported }])
}

/**
 * Moves to `next`, announcing the status first when it changed (`reconnecting` is announced on every
 * attempt, with its number and delay).
 */
function enter(
  next: ConnectionState,
  previous: ConnectionState,
  info: StateInfo,
  effects: ConnectionEffect[],
): Transition {
  if (next.status !== previous.status || next.status === 'reconnecting') {
    // A failed attempt reaches `error` listeners before the state event.
    const at = effects[0]?.type === 'report' ? 1 : 0
    effects.splice(at, 0, { type: 'state', state: next.status, info })
  }
  return { state: next, effects }
}

/** Why an attempt failed when the socket closed before CONNACK without an error of its own. */
export function closedBeforeConnack(adapter: string, close: CloseInfo | undefined): TidingsError {
  const why = close?.reason ? ` (${close.reason})` : ''
  return new TidingsError('CONNECTION_REFUSED', `connection to ${adapter} closed before CONNACK${why}`, { adapter })
}

/** The error of a dropped connection, naming what ended it. */
export function connectionLost(adapter: string, cause: TidingsError | undefined, close: CloseInfo | undefined) {
  // A socket failure on the live connection is already the loss, with the socket's error as its cause.
  if (cause?.code === 'CONNECTION_LOST') return cause
  const why = close?.reason ?? cause?.message
  return new TidingsError('CONNECTION_LOST', `connection to ${adapter} lost${why ? `: ${why}` : ''}`, {
    adapter,
    ...(cause ? { cause } : {}),
  })
}
