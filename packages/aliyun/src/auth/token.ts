import {
  TidingsError,
  connectReason,
  credentialsContext,
  utf8,
  type ConnectContext,
  type ConnectReason,
  type MaybePromise,
  type ProfileSession,
  type Timers,
} from '@tidings/core'
import { BROKER_NAME } from '../names.js'
import { formatTokenPassword, parseTokenPassword, type TokenSet } from './token-format.js'
import type { AliyunAuth, AliyunAuthTarget, AliyunCredentialsContext, BoundAliyunAuth } from './types.js'

/**
 * Tokens handed out by your backend: either by type, or as the ready-made Token-mode password
 * (`R|…|W|…`, what `aliyunCredentialIssuer().issue()` returns), with their absolute expiry.
 */
export interface AliyunTokenGrant {
  tokens?: TokenSet
  password?: string
  /** A Date, epoch milliseconds, or an ISO string (a Date after a JSON round trip). */
  expiresAt: Date | number | string
}

/** Options of {@link tokenAuth}. */
export interface TokenAuthOptions {
  /** The AccessKeyId of the account that applied for the tokens (the id only: never the secret). */
  accessKeyId: string
  /**
   * Your app's call to its own backend, which applies for tokens with `@tidings/aliyun/server`. `ctx.reason`
   * says why: `'connect'`/`'reconnect'` without a token, `'refresh'` before the current one expires (in
   * session, or before a reconnect), `'rejected'` after the broker refused it, `'invalidated'` after
   * `$SYS/tokenInvalidNotice`.
   */
  fetchToken(ctx: AliyunCredentialsContext): MaybePromise<AliyunTokenGrant>
  /**
   * How long before expiry the token is replaced in-session, capped at half the token's lifetime.
   * Aliyun's own notice comes about 5 minutes ahead but is not guaranteed, so the client does not rely on it.
   * @default 300000
   */
  refreshBeforeMs?: number
  /**
   * Longest wait for the PUBACK of `$SYS/uploadToken`; app publishes are held meanwhile.
   * @default 10000
   */
  uploadTimeoutMs?: number
}

// The context of a refresh on the live connection: no connection attempt is under way.
const IN_SESSION: ConnectContext = { attempt: 0 }
const UPLOAD_TOPIC = '$SYS/uploadToken'
const EXPIRE_NOTICE = '$SYS/tokenExpireNotice'
const INVALID_NOTICE = '$SYS/tokenInvalidNotice'
// setTimeout fires at once for delays above 2^31-1 ms, shorter than a 30-day token.
const MAX_TIMER_MS = 2_147_483_647
const MIN_TIMER_MS = 1000

// For a session built without timers: the platform's, looked up at call time like the client's own.
const platformTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** The client's timers (`ClientOptions.timers`) as the session hands them on. */
const timersOf = (session: ProfileSession): Timers => session.timers ?? platformTimers

/** Meanings of the `code` of `$SYS/tokenInvalidNotice`. */
export const TOKEN_INVALID_CODES: Readonly<Record<number, string>> = {
  1: 'forged or unparsable token',
  2: 'token expired',
  3: 'token revoked',
  4: 'token resources do not match',
  5: 'token type does not match',
  8: 'token signature is wrong',
  [-1]: 'account permission is invalid',
}

/**
 * Token auth (Token 鉴权) for untrusted clients: user name `Token|<AccessKeyId>|<InstanceId>`, password
 * `R|…|W|…` or `RW|…`. Tokens come from your backend through `fetchToken()` and are replaced before they
 * expire without reconnecting: the new token is published to `$SYS/uploadToken` at QoS 1 and app publishes
 * wait for its PUBACK. `$SYS/tokenExpireNotice` triggers the same refresh; after `$SYS/tokenInvalidNotice`
 * the next reconnect fetches a new token first.
 *
 * @example
 * ```ts
 * auth: tokenAuth({ accessKeyId: 'LTAI…', fetchToken: () => fetch('/api/mqtt-token').then((r) => r.json()) })
 * ```
 */
export function tokenAuth(options: TokenAuthOptions): AliyunAuth {
  if (
    typeof options?.accessKeyId !== 'string' ||
    options.accessKeyId.length === 0 ||
    options.accessKeyId.includes('|')
  ) {
    throw new TidingsError('INVALID_OPTIONS', 'tokenAuth: accessKeyId must be a non-empty string without "|"', {
      adapter: BROKER_NAME,
    })
  }
  if (typeof options.fetchToken !== 'function')
    throw new TidingsError('INVALID_OPTIONS', 'tokenAuth needs fetchToken()', { adapter: BROKER_NAME })
  return { mode: 'token', bind: (target) => bindTokenAuth(options, target) }
}

interface CurrentToken {
  tokens: TokenSet
  password: string
  expiresAt: number
  refreshAt: number
}

function bindTokenAuth(options: TokenAuthOptions, target: AliyunAuthTarget): BoundAliyunAuth {
  const username = `Token|${options.accessKeyId}|${target.instanceId}`
  const refreshBeforeMs = options.refreshBeforeMs ?? 300_000
  const uploadTimeoutMs = options.uploadTimeoutMs ?? 10_000
  let current: CurrentToken | undefined
  let invalidated = false
  let fetching: Promise<CurrentToken> | undefined
  let uploading: Promise<void> | undefined
  let held: { release(): void } | undefined
  let session: ProfileSession | undefined
  // The refresh timer and the timers that set it, so it is cleared through the same ones.
  let timer: { handle: unknown; timers: Timers } | undefined

  const fetchToken = (ctx: ConnectContext, reason: ConnectReason): Promise<CurrentToken> =>
    (fetching ??= (async () => {
      try {
        const grant = await options.fetchToken({
          ...credentialsContext(ctx, target.clientId, reason),
          instanceId: target.instanceId,
        })
        current = readGrant(grant, refreshBeforeMs)
        invalidated = false
        schedule()
        return current
      } finally {
        fetching = undefined
      }
    })())

  const releaseHold = (): void => {
    held?.release()
    held = undefined
  }

  const cancelTimer = (): void => {
    timer?.timers.clearTimeout(timer.handle)
    timer = undefined
  }

  const schedule = (): void => {
    cancelTimer()
    if (!session || !current) return
    const token = current
    const timers = timersOf(session)
    const handle = timers.setTimeout(
      () => {
        timer = undefined
        // A long timer is capped: check again instead of refreshing early.
        if (Date.now() < token.refreshAt) return schedule()
        void refreshInSession()
        // At least a second apart, so a backend that hands back the same near-expiry token cannot spin this.
      },
      Math.min(Math.max(token.refreshAt - Date.now(), MIN_TIMER_MS), MAX_TIMER_MS),
    )
    timer = { handle, timers }
  }

  /** Fetches a new token and uploads it on the live connection, holding app publishes until the PUBACK. */
  const refreshInSession = (): Promise<void> =>
    (uploading ??= (async () => {
      const live = session
      try {
        const next = await fetchToken(IN_SESSION, 'refresh')
        if (!live || session !== live) return
        held = live.hold()
        const uploads = Object.entries(next.tokens).map(([type, token]) =>
          live.publishRaw(UPLOAD_TOPIC, JSON.stringify({ token, type }), { qos: 1 }),
        )
        await withTimeout(Promise.all(uploads), uploadTimeoutMs, timersOf(live))
      } catch (error) {
        live?.reportError(TidingsError.from(error, 'NOT_AUTHORIZED', { adapter: BROKER_NAME }))
      } finally {
        releaseHold()
        uploading = undefined
      }
    })())

  const onInvalid = (payload: Uint8Array): void => {
    invalidated = true
    const notice = readJson(payload) as { code?: unknown; type?: unknown } | undefined
    const code = typeof notice?.code === 'number' ? notice.code : undefined
    const why = code === undefined ? 'no code' : (TOKEN_INVALID_CODES[code] ?? `code ${code}`)
    session?.reportError(
      new TidingsError(
        'NOT_AUTHORIZED',
        `Aliyun invalidated the ${String(notice?.type ?? '')} token (${why}); a new token is fetched before reconnecting`,
        { adapter: BROKER_NAME },
      ),
    )
  }

  return {
    refreshesCredentials: true,
    async credentials(ctx) {
      // A new CONNECT carries the newest token, so an unfinished upload no longer needs to hold publishes.
      releaseHold()
      let token = current
      if (!token || invalidated || ctx.previousError || Date.now() >= token.refreshAt) {
        const reason: ConnectReason = !token
          ? connectReason(ctx)
          : ctx.previousError
            ? 'rejected'
            : invalidated
              ? 'invalidated'
              : 'refresh'
        token = await fetchToken(ctx, reason)
      }
      return { username, password: token.password }
    },
    attach(live) {
      session = live
      const removers = [
        live.subscribeRaw(EXPIRE_NOTICE, () => void refreshInSession(), { listenOnly: true }),
        live.subscribeRaw(INVALID_NOTICE, onInvalid, { listenOnly: true }),
      ]
      schedule()
      return () => {
        session = undefined
        cancelTimer()
        releaseHold()
        for (const remover of removers)
          void remover.then(
            (remove) => remove(),
            () => {},
          )
      }
    },
  }
}

function readGrant(grant: AliyunTokenGrant, refreshBeforeMs: number): CurrentToken {
  if (!grant || typeof grant !== 'object')
    throw new TidingsError('NOT_AUTHORIZED', 'fetchToken() returned no token', { adapter: BROKER_NAME })
  const tokens = grant.tokens ?? (typeof grant.password === 'string' ? parseTokenPassword(grant.password) : undefined)
  if (!tokens)
    throw new TidingsError('NOT_AUTHORIZED', 'fetchToken() returned neither tokens nor password', {
      adapter: BROKER_NAME,
    })
  const password = formatTokenPassword(tokens)
  const expiresAt =
    grant.expiresAt instanceof Date
      ? grant.expiresAt.getTime()
      : typeof grant.expiresAt === 'string'
        ? Date.parse(grant.expiresAt)
        : grant.expiresAt
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `fetchToken() returned an unreadable expiresAt: ${JSON.stringify(grant.expiresAt)}`,
      { adapter: BROKER_NAME },
    )
  }
  const now = Date.now()
  const lifetime = Math.max(expiresAt - now, 0)
  return { tokens: { ...tokens }, password, expiresAt, refreshAt: expiresAt - Math.min(refreshBeforeMs, lifetime / 2) }
}

function readJson(payload: Uint8Array): unknown {
  try {
    return JSON.parse(utf8(payload))
  } catch {
    return undefined
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, timers: Timers): Promise<T> {
  let handle: unknown
  const timeout = new Promise<never>((_resolve, reject) => {
    handle = timers.setTimeout(
      () =>
        reject(new TidingsError('TIMEOUT', `no PUBACK for ${UPLOAD_TOPIC} within ${ms} ms`, { adapter: BROKER_NAME })),
      ms,
    )
  })
  return Promise.race([promise, timeout]).finally(() => timers.clearTimeout(handle))
}
