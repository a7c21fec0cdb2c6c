import { describe, expect, it } from 'vitest'
import {
  initialConnection,
  transition,
  type ConnectionEvent,
  type ConnectionRules,
  type ConnectionState,
} from '../src/client/connection.js'
import { isFatal, retryRule } from '../src/client/retry.js'
import { TidingsError } from '../src/index.js'

// The connection cycle as a pure function: events in, state and effects out.
const rules = (over: Partial<ConnectionRules> = {}): ConnectionRules => ({
  retry: retryRule({ baseMs: 1000, maxAttempts: 2 }, () => 0.5),
  refreshesCredentials: false,
  adapter: 'test',
  ...over,
})

function run(events: ConnectionEvent[], r = rules(), from: ConnectionState = initialConnection) {
  let state = from
  const effects: string[] = []
  for (const event of events) {
    const next = transition(state, event, r)
    state = next.state
    for (const e of next.effects) effects.push(e.type === 'state' ? `state:${e.state}` : e.type)
  }
  return { state, effects }
}

const lost: ConnectionEvent = {
  type: 'lost',
  error: new TidingsError('CONNECTION_LOST', 'lost'),
  resumed: false,
}
const refused = (code: 'SERVER_UNAVAILABLE' | 'NOT_AUTHORIZED'): ConnectionEvent => ({
  type: 'failed',
  error: new TidingsError(code, code),
})

describe('transition', () => {
  it('connects: connecting with one open, then online', () => {
    const { state, effects } = run([{ type: 'connect' }, { type: 'online', sessionPresent: false }])
    expect(effects).toEqual(['state:connecting', 'open', 'state:online', 'online'])
    expect(state).toMatchObject({ status: 'online', attempt: 0, attempting: false })
  })

  it('a second connect() while connecting changes nothing', () => {
    const first = run([{ type: 'connect' }])
    expect(run([{ type: 'connect' }], rules(), first.state).effects).toEqual([])
  })

  it('the first refusal of connect() gives up without a retry', () => {
    const { state, effects } = run([{ type: 'connect' }, refused('SERVER_UNAVAILABLE')])
    expect(effects).toEqual(['state:connecting', 'open', 'report', 'state:offline', 'cancel', 'give-up'])
    expect(state.gaveUp?.code).toBe('SERVER_UNAVAILABLE')
  })

  it('a loss waits the backoff, opens when due, and gives up after maxAttempts', () => {
    const { state, effects } = run([
      { type: 'connect' },
      { type: 'online', sessionPresent: false },
      lost,
      { type: 'due' },
      refused('SERVER_UNAVAILABLE'),
      { type: 'due' },
      refused('SERVER_UNAVAILABLE'),
    ])
    expect(effects.slice(4)).toEqual([
      'state:reconnecting',
      'wait',
      'open',
      'report',
      'state:reconnecting',
      'wait',
      'open',
      'report',
      'state:offline',
      'cancel',
      'give-up',
    ])
    expect(state.gaveUp?.code).toBe('RECONNECT_EXHAUSTED')
    expect(state.gaveUp?.cause).toMatchObject({ code: 'SERVER_UNAVAILABLE' })
  })

  it('a timer firing while an attempt is open, or after close, does nothing', () => {
    const open = run([{ type: 'connect' }, { type: 'online', sessionPresent: false }, lost, { type: 'due' }])
    expect(run([{ type: 'due' }], rules(), open.state).effects).toEqual([])
    const closed = run([{ type: 'close' }], rules(), open.state)
    expect(closed.state.status).toBe('closed')
    expect(run([{ type: 'due' }, { type: 'online', sessionPresent: false }], rules(), closed.state).effects).toEqual([])
  })

  it('a loss found on resume reconnects at once, without a timer', () => {
    const { effects } = run([
      { type: 'connect' },
      { type: 'online', sessionPresent: false },
      { ...lost, resumed: true },
    ])
    expect(effects.slice(4)).toEqual(['state:reconnecting', 'open'])
  })

  it('reconnect: false gives up on the loss itself', () => {
    const { state } = run(
      [{ type: 'connect' }, { type: 'online', sessionPresent: false }, lost],
      rules({ retry: undefined }),
    )
    expect(state).toMatchObject({ status: 'offline' })
    expect(state.gaveUp?.code).toBe('CONNECTION_LOST')
  })

  it('NOT_AUTHORIZED with a refreshing profile: one immediate retry naming the refusal, then give up', () => {
    const r = rules({ refreshesCredentials: true })
    const start = run([{ type: 'connect' }, { type: 'online', sessionPresent: false }, lost, { type: 'due' }], r)
    const first = transition(start.state, refused('NOT_AUTHORIZED'), r)
    expect(first.effects).toContainEqual({ type: 'wait', delayMs: 0 })
    const due = transition(first.state, { type: 'due' }, r)
    expect(due.effects).toContainEqual({
      type: 'open',
      attempt: 2,
      previous: expect.objectContaining({ code: 'NOT_AUTHORIZED' }),
    })
    const second = transition(due.state, refused('NOT_AUTHORIZED'), r)
    expect(second.state.gaveUp?.code).toBe('NOT_AUTHORIZED')
  })
})

describe('retry policy', () => {
  it('lists the fatal codes once', () => {
    expect(isFatal(new TidingsError('NOT_AUTHORIZED', 'x'))).toBe(true)
    expect(isFatal(new TidingsError('SERVER_UNAVAILABLE', 'x'))).toBe(false)
  })

  it('the default retries non-fatal errors up to maxAttempts with a delay inside the window', () => {
    const rule = retryRule({ baseMs: 1000, capMs: 4000, maxAttempts: 5 }, () => 0.999)!
    const error = new TidingsError('CONNECTION_REFUSED', 'x')
    expect([1, 2, 3, 4, 5].map((n) => rule(n, error))).toEqual([
      { retry: true, delayMs: 999 },
      { retry: true, delayMs: 999 },
      { retry: true, delayMs: 999 },
      { retry: true, delayMs: 1998 },
      { retry: true, delayMs: 3996 },
    ])
    expect(rule(6, error)).toEqual({ retry: false })
    expect(rule(1, new TidingsError('BANNED', 'x'))).toEqual({ retry: false })
  })

  it('a user policy decides: true means the backoff, a number is the delay, a bad number falls back', () => {
    const rule = retryRule({ baseMs: 1000, retry: (attempt) => [true, 5, Number.NaN, false][attempt - 1]! }, () => 0)!
    const error = new TidingsError('CONNECTION_LOST', 'x')
    expect([1, 2, 3, 4].map((n) => rule(n, error))).toEqual([
      { retry: true, delayMs: 0 },
      { retry: true, delayMs: 5 },
      { retry: true, delayMs: 0 },
      { retry: false },
    ])
    expect(retryRule(false)).toBeUndefined()
  })
})
