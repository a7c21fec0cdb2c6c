import { TidingsError, credentialsContext, type MaybePromise } from '@tidings/core'
import { BROKER_NAME } from '../names.js'
import type { AliyunAuth, AliyunCredentials, AliyunCredentialsContext } from './types.js'

/** Options of {@link presignedAuth}. */
export interface PresignedAuthOptions {
  /**
   * Asks your backend for a user name and password computed there, e.g. with `signatureCredentials()` from
   * `@tidings/aliyun/server`. Called before every (re)connect; `ctx.clientId` is the client id to sign.
   */
  fetchCredentials(ctx: AliyunCredentialsContext): MaybePromise<AliyunCredentials>
}

/**
 * Credentials computed by your backend (Signature mode, or a custom-auth identity). The AccessKeySecret
 * never reaches the client: the backend signs the client id and hands back the result.
 */
export function presignedAuth(options: PresignedAuthOptions): AliyunAuth {
  if (typeof options?.fetchCredentials !== 'function') {
    throw new TidingsError('INVALID_OPTIONS', 'presignedAuth needs fetchCredentials()', { adapter: BROKER_NAME })
  }
  return {
    mode: 'presigned',
    bind: ({ instanceId, clientId }) => ({
      refreshesCredentials: true,
      credentials: async (ctx) => {
        const got = await options.fetchCredentials({ ...credentialsContext(ctx, clientId), instanceId })
        if (typeof got?.username !== 'string' || typeof got.password !== 'string') {
          throw new TidingsError('NOT_AUTHORIZED', 'presignedAuth: fetchCredentials() returned no username/password', {
            adapter: BROKER_NAME,
          })
        }
        return { username: got.username, password: got.password }
      },
    }),
  }
}
