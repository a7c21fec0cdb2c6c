import type { ConnectContext, CredentialsContext, MaybePromise, ProfileSession } from '@tidings/core'

/** What an auth mode knows about the connection it signs in. */
export interface AliyunAuthTarget {
  readonly instanceId: string
  readonly clientId: string
}

/**
 * What `tokenAuth`'s `fetchToken(ctx)` and `presignedAuth`'s `fetchCredentials(ctx)` receive: the context
 * every profile's credentials callbacks get (`attempt`, `clientId`, `reason`, `previousError`), plus the
 * instance. An in-session token refresh has `reason: 'refresh'` and `attempt: 0`.
 */
export interface AliyunCredentialsContext extends CredentialsContext {
  readonly instanceId: string
}

/** User name and password of one CONNECT. */
export interface AliyunCredentials {
  username: string
  password: string
}

/** One auth mode bound to one profile: holds that connection's state (cached token, refresh timer). */
export interface BoundAliyunAuth {
  /** True when a refused CONNECT may succeed with freshly fetched credentials. */
  readonly refreshesCredentials: boolean
  /** Called before every (re)connect, with what the client said about the attempt. */
  credentials(ctx: ConnectContext): MaybePromise<AliyunCredentials>
  /** Acts on the live connection (token upload); returns its cleanup. */
  attach?(session: ProfileSession): (() => void) | void
}

/**
 * An Aliyun auth mode: {@link tokenAuth}, {@link deviceCredentialAuth} or {@link presignedAuth}.
 * `bind` is called once by {@link aliyun}, so one auth value may serve several profiles.
 */
export interface AliyunAuth {
  readonly mode: 'token' | 'device-credential' | 'presigned'
  bind(target: AliyunAuthTarget): BoundAliyunAuth
}
