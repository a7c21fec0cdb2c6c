import type { Client } from 'aedes'
import type { TokenRecord } from './registry.js'

/** The three token types Aliyun issues: read, write, read and write. */
export type TokenType = 'R' | 'W' | 'RW'
/** How a client signed in (the `mode` in its user name). */
export type AuthMode = 'Signature' | 'Token' | 'DeviceCredential'

/** What the emulator keeps per connected client. */
export interface ClientAuth {
  mode: AuthMode
  tokens: Map<TokenType, TokenRecord>
  /** Tokens already warned about in a `$SYS/tokenExpireNotice`. */
  noticed: Set<string>
}

/** The actions each token type grants, as the OpenAPI records them. */
export const TOKEN_TYPES: Record<TokenType, TokenRecord['actions']> = { R: 'R', W: 'W', RW: 'R,W' }

/** True when a live (unrevoked, unexpired) token of one of `types` covers a resource passing `test`. */
export function allowed(state: ClientAuth, types: TokenType[], test: (resource: string) => boolean): boolean {
  return types.some((type) => {
    const record = state.tokens.get(type)
    return record !== undefined && !record.revoked && record.expireTime > Date.now() && record.resources.some(test)
  })
}

/** A client's subscriptions: aedes keeps them on the instance but does not declare them in its types. */
// aedes keeps a client's subscriptions on the instance but does not declare them in its types.
export function subscriptionsOf(client: Client): string[] {
  return Object.keys((client as unknown as { subscriptions?: Record<string, unknown> }).subscriptions ?? {})
}
