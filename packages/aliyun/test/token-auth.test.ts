import { type ProfileSession, type TidingsError, type Timers, utf8Bytes } from '@tidings/core'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { tokenAuth, type AliyunTokenGrant } from '../src/index.js'

// tokenAuth against a hand-made ProfileSession: which timers its refresh and upload timeouts run on, and
// how it reads the broker's `$SYS` notices.

interface Scheduled {
  callback: () => void
  ms: number
  cleared: boolean
}

/** Timers that only record: nothing fires unless the test calls it. */
function recordingTimers(): Timers & { scheduled: Scheduled[] } {
  const scheduled: Scheduled[] = []
  return {
    scheduled,
    setTimeout(callback, ms) {
      const entry = { callback, ms, cleared: false }
      scheduled.push(entry)
      return entry
    },
    clearTimeout(handle) {
      if (handle) (handle as Scheduled).cleared = true
    },
  }
}

function fakeSession(timers?: Timers) {
  const routes = new Map<string, (payload: Uint8Array, topic: string) => void>()
  const uploads: Array<{ payload: string; ack: () => void }> = []
  const errors: TidingsError[] = []
  const session: ProfileSession = {
    publishRaw: (_topic, payload) =>
      new Promise<void>((resolve) => {
        uploads.push({ payload: String(payload), ack: resolve })
      }),
    subscribeRaw: async (filter, handler) => {
      routes.set(filter, handler)
      return async () => void routes.delete(filter)
    },
    hold: () => ({ release() {} }),
    reportError: (error) => void errors.push(error as TidingsError),
    reconnect() {},
    ...(timers ? { timers } : {}),
  }
  return { session, routes, uploads, errors }
}

function boundAuth(options: { uploadTimeoutMs?: number } = {}) {
  const reasons: string[] = []
  let n = 0
  const auth = tokenAuth({
    accessKeyId: 'LTAItest',
    refreshBeforeMs: 300_000,
    ...options,
    fetchToken: ({ reason }): AliyunTokenGrant => {
      reasons.push(reason)
      return { tokens: { RW: `token-${++n}` }, expiresAt: Date.now() + 3600_000 }
    },
  })
  return { bound: auth.bind({ instanceId: 'mqtt-cn-test', clientId: 'GID_web@@@tab1' }), reasons }
}

/** Moves Date.now() past the refresh point (55 minutes), as if the refresh timer had waited that long. */
function laterByAnHour(): void {
  const now = Date.now()
  vi.spyOn(Date, 'now').mockReturnValue(now + 3300_000 + 1)
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('tokenAuth uses the client timers the session hands on', () => {
  test('the refresh timer and the upload timeout run on session.timers, never the global setTimeout', async () => {
    const global = vi.spyOn(globalThis, 'setTimeout')
    const timers = recordingTimers()
    const { session, uploads } = fakeSession(timers)
    const { bound, reasons } = boundAuth({ uploadTimeoutMs: 1234 })
    await bound.credentials({ attempt: 0 })
    const detach = bound.attach?.(session)

    // Expires in an hour, refreshed 5 minutes before.
    expect(timers.scheduled).toHaveLength(1)
    expect(Math.abs(timers.scheduled[0]!.ms - 3300_000)).toBeLessThan(2000)

    laterByAnHour()
    timers.scheduled[0]!.callback()
    await flush()
    expect(reasons).toEqual(['connect', 'refresh'])
    expect(JSON.parse(uploads[0]!.payload)).toEqual({ token: 'token-2', type: 'RW' })
    // The new token's refresh timer, then the wait for the upload's PUBACK.
    const upload = timers.scheduled.find((t) => t.ms === 1234)
    expect(upload?.cleared).toBe(false)
    uploads[0]!.ack()
    await flush()
    expect(upload?.cleared).toBe(true)

    // Besides the timer that fired: the new token's refresh timer, still pending.
    const pending = timers.scheduled.slice(1).filter((t) => !t.cleared && t.ms !== 1234)
    expect(pending).toHaveLength(1)
    if (typeof detach === 'function') detach()
    expect(pending[0]!.cleared).toBe(true)
    expect(global).not.toHaveBeenCalled()
  })

  test('an upload without PUBACK times out through session.timers and is reported', async () => {
    const timers = recordingTimers()
    const { session, errors } = fakeSession(timers)
    const { bound } = boundAuth({ uploadTimeoutMs: 4321 })
    await bound.credentials({ attempt: 0 })
    bound.attach?.(session)
    laterByAnHour()
    timers.scheduled[0]!.callback()
    await flush()
    timers.scheduled.find((t) => t.ms === 4321)!.callback()
    await flush()
    expect(errors.map((e) => e.code)).toEqual(['TIMEOUT'])
  })

  test('a session without timers falls back to the platform setTimeout', async () => {
    const global = vi.spyOn(globalThis, 'setTimeout')
    const { session } = fakeSession()
    const { bound } = boundAuth()
    await bound.credentials({ attempt: 0 })
    const detach = bound.attach?.(session)
    expect(global).toHaveBeenCalledTimes(1)
    expect(Math.abs((global.mock.calls[0]![1] ?? 0) - 3300_000)).toBeLessThan(2000)
    if (typeof detach === 'function') detach()
  })
})

test('$SYS notices are read as UTF-8', async () => {
  const { session, routes, errors } = fakeSession(recordingTimers())
  const { bound } = boundAuth()
  await bound.credentials({ attempt: 0 })
  bound.attach?.(session)
  await flush()
  const type = 'RW·令牌'
  routes.get('$SYS/tokenInvalidNotice')!(utf8Bytes(JSON.stringify({ code: 3, type })), '$SYS/tokenInvalidNotice')
  expect(errors).toHaveLength(1)
  expect(errors[0]!.code).toBe('NOT_AUTHORIZED')
  expect(errors[0]!.message).toContain(`the ${type} token (token revoked)`)
})
