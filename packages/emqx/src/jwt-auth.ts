import {
  TidingsError,
  type ConnectCredentials,
  type CredentialsContext,
  type CredentialsProvider,
  type MaybePromise,
} from '@tidings/core'
import { readJwtClaims } from './jwt-claims.js'

/** What a backend hands out: the token alone, or the issuer's full answer (`IssuedCredentials` as JSON). */
export type FetchedToken = string | { password: string; clientId?: string; username?: string }

/** Options of {@link jwtAuth}. */
export interface JwtAuthOptions {
  /**
   * Gets a fresh token from your backend (which mints it with `emqxCredentialIssuer`). Called before every
   * connect and reconnect: EMQX disconnects a client when its token's `exp` passes, and refuses it
   * on reconnect, so a token is never reused. `ctx` is the context every profile's credentials callbacks
   * get: `attempt`, `clientId` (the profile's, which the token may pin to another), `reason` (`'connect'`,
   * `'reconnect'`, or `'rejected'` with `previousError` set when the last token was refused).
   */
  fetchToken(ctx: CredentialsContext): MaybePromise<FetchedToken>
}

/**
 * EMQX JWT authentication for browsers and mini-programs: the token is the MQTT password (EMQX's
 * `from = password`), and the client id and user name are the token's `clientid`/`username` claims,
 * so they match the broker's `verify_claims`. No secret ever reaches the client.
 *
 * @example
 * ```ts
 * const broker = emqx({
 *   host: 'mqtt.example.com', tls: true, behindProxy: true,
 *   credentials: jwtAuth({ fetchToken: () => fetch('/api/mqtt-token').then((r) => r.json()) }),
 * })
 * ```
 */
export function jwtAuth(options: JwtAuthOptions): CredentialsProvider {
  if (typeof options?.fetchToken !== 'function') {
    throw new TidingsError('INVALID_OPTIONS', 'jwtAuth needs fetchToken: () => Promise<token>', { adapter: 'emqx' })
  }
  return async (ctx) => {
    const fetched = await options.fetchToken(ctx)
    const token = typeof fetched === 'string' ? fetched : fetched?.password
    const claims = typeof token === 'string' ? readJwtClaims(token) : undefined
    if (!claims) throw new TidingsError('NOT_AUTHORIZED', 'fetchToken did not return a JWT', { adapter: 'emqx' })
    const out: Partial<ConnectCredentials> = { password: token! }
    const clientId = (typeof fetched === 'object' && fetched.clientId) || claims.clientid
    const username = (typeof fetched === 'object' && fetched.username) || claims.username
    if (typeof clientId === 'string' && clientId) out.clientId = clientId
    if (typeof username === 'string') out.username = username
    return out
  }
}
