import type {
  ConnectContext,
  ConnectCredentials,
  ConnectReason,
  CredentialsContext,
  MaybePromise,
} from '../contracts.js'
import { TidingsError } from '../errors.js'

/**
 * Credentials asked for before every (re)connect, the `credentials` option of every host-based profile
 * and of `genericBroker`. Whatever it returns wins over the profile's static `username`/`password`, and
 * its `clientId`, when set, over the profile's.
 */
export type CredentialsProvider = (ctx: CredentialsContext) => MaybePromise<Partial<ConnectCredentials>>

/** The static identity of a profile and its optional {@link CredentialsProvider}. */
export interface ProfileCredentialsOptions {
  /** The profile's client id, used when the provider does not pin one. */
  clientId: string
  username?: string
  password?: string | Uint8Array
  credentials?: CredentialsProvider
}

/**
 * Why credentials are asked for, from what the client said: its own `reason` when it gave one, else
 * `'rejected'` after a refusal, `'connect'` for the first attempt and `'reconnect'` for the others.
 */
export function connectReason(ctx: ConnectContext): ConnectReason {
  if (ctx.reason) return ctx.reason
  if (ctx.previousError) return 'rejected'
  return ctx.attempt === 0 ? 'connect' : 'reconnect'
}

/**
 * The context every credentials callback receives, from the client's {@link ConnectContext} and the
 * client id the profile will use. `reason` overrides the one derived by {@link connectReason}, for a
 * profile that knows more (a token it was told is invalid).
 */
export function credentialsContext(ctx: ConnectContext, clientId: string, reason?: ConnectReason): CredentialsContext {
  return {
    attempt: ctx.attempt,
    ...(ctx.previousError ? { previousError: ctx.previousError } : {}),
    clientId,
    reason: reason ?? connectReason(ctx),
  }
}

/**
 * The `connectOptions()` of a profile with a static identity and an optional credentials provider: asks
 * the provider (when there is one) with a {@link CredentialsContext}, and merges its answer over the static
 * values. Mosquitto, EMQX and `genericBroker` build their `connectOptions` on it.
 *
 * @example
 * ```ts
 * const connectOptions = profileConnectOptions('my-broker', { clientId, username, password, credentials })
 * return { name: 'my-broker', connectOptions, refreshesCredentials: credentials !== undefined, … }
 * ```
 */
export function profileConnectOptions(
  broker: string,
  options: ProfileCredentialsOptions,
): (ctx: ConnectContext) => Promise<ConnectCredentials> {
  const { clientId, credentials } = options
  return async (ctx) => {
    const fetched = credentials ? await credentials(credentialsContext(ctx, clientId)) : options
    if (typeof fetched !== 'object' || fetched === null) {
      throw new TidingsError('NOT_AUTHORIZED', `${broker}: credentials() returned no credentials`, { adapter: broker })
    }
    const out: ConnectCredentials = {
      clientId: typeof fetched.clientId === 'string' && fetched.clientId.length > 0 ? fetched.clientId : clientId,
    }
    if (fetched.username !== undefined) out.username = fetched.username
    if (fetched.password !== undefined) out.password = fetched.password
    return out
  }
}
