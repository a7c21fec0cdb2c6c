import { TidingsError } from '@tidings/core'
import type { Client } from 'aedes'
import { createPublicKey, type KeyObject } from 'node:crypto'
import type { AuthResult, BrokerEmulation } from '../../emulation.js'
import { aclProblem, checkAcl, type AclAction } from './acl.js'
import { verifyEmqxJwt } from './jwt.js'
import { stripShare } from './topic-match.js'
import { EMQX_SUBPROTOCOLS, negotiateEmqxSubprotocol } from './websocket.js'

/** Options of {@link emqxEmulation}, named after the EMQX settings they stand for. */
export interface EmqxEmulationOptions {
  /** HMAC secret (`algorithm = "hmac-based"`, HS256/384/512). Give this or `publicKey`. */
  secret?: string | Uint8Array
  /** `secret_base64_encoded`. @default false */
  secretBase64Encoded?: boolean
  /** PEM public key (`algorithm = "public-key"`: RS*, PS*, ES*, EdDSA). */
  publicKey?: string | KeyObject
  /** Which CONNECT field carries the token. @default 'password' */
  from?: 'password' | 'username'
  /** `acl_claim_name`. @default 'acl' */
  aclClaimName?: string
  /**
   * `verify_claims`: claim name → expected value, where `${username}` and `${clientid}` are rendered from
   * the CONNECT packet. EMQX's default is none; the recommended setting is
   * `{ username: '${username}', clientid: '${clientid}' }`.
   * @default {}
   */
  verifyClaims?: Record<string, string>
  /** `disconnect_after_expire`: kick the client when its token's `exp` passes. @default true */
  disconnectAfterExpire?: boolean
  /**
   * The EMQX major version whose defaults apply. It decides `authorization.no_match` unless `noMatch` is
   * given: EMQX 5 allows what no rule matched, EMQX 6 denies it. The default is the stricter one, so an
   * app that forgets its deny-all rule fails here rather than on a 5.x broker in production.
   * @default 6
   */
  emqxVersion?: 5 | 6
  /**
   * `authorization.no_match`: the answer when the list-format ACL has no matching rule (and for a client
   * without a session). @default 'deny' with `emqxVersion: 6`, 'allow' with `emqxVersion: 5`
   */
  noMatch?: 'allow' | 'deny'
  /**
   * `authorization.deny_action`: `'ignore'` drops a denied MQTT 3.1.1 publish silently (the publisher
   * still gets its PUBACK); `'disconnect'` closes the connection.
   * @default 'ignore'
   */
  denyAction?: 'ignore' | 'disconnect'
  /** `websocket.fail_if_no_subprotocol`. @default true */
  failIfNoSubprotocol?: boolean
  /** `websocket.supported_subprotocols`. @default ['mqtt', 'mqtt-v3', 'mqtt-v3.1.1', 'mqtt-v5'] */
  supportedSubprotocols?: readonly string[]
  /** Clock in milliseconds, for tests. @default Date.now */
  now?: () => number
}

/** What a successful authentication left behind: the CONNECT user name and the token's claims that matter. */
export interface EmqxSession {
  readonly username: string | undefined
  /** The ACL claim as found in the token (list, map, or absent). */
  readonly acl: unknown
  /** `exp` in seconds, when the token had one. */
  readonly exp: number | undefined
  readonly superuser: boolean
}

/** The EMQX emulation, plus a look at each client's session (for tools such as a REST contract server). */
export interface EmqxEmulation extends BrokerEmulation {
  session(client: Client): EmqxSession | undefined
}

// A denied publish is moved under this prefix and never forwarded: aedes has no "accept but drop".
const DROPPED = '$tidings-emqx-dropped/'
// setTimeout's ceiling (~24.8 days); longer waits are re-armed.
const MAX_TIMER_MS = 2_147_483_647
const HMAC = ['HS256', 'HS384', 'HS512']
const PUBLIC_KEY = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']

/**
 * Makes the devbroker behave like EMQX 5/6 with JWT authentication (`from = password`) and the JWT ACL,
 * and EMQX's WebSocket subprotocol rule. aedes speaks MQTT 3.1.1 only: connect with `protocolVersion: 4`.
 *
 * @example
 * ```ts
 * const broker = await startDevBroker({
 *   emulate: emqxEmulation({ secret, verifyClaims: { username: '${username}', clientid: '${clientid}' } }),
 * })
 * ```
 */
export function emqxEmulation(options: EmqxEmulationOptions): EmqxEmulation {
  const { key, algorithms } = verificationKey(options)
  const now = options.now ?? Date.now
  const aclClaimName = options.aclClaimName ?? 'acl'
  const verifyClaims = options.verifyClaims ?? {}
  const emqxVersion = options.emqxVersion ?? 6
  if (emqxVersion !== 5 && emqxVersion !== 6) {
    throw new TidingsError('INVALID_OPTIONS', `emqxEmulation: emqxVersion must be 5 or 6, got ${String(emqxVersion)}`, {
      adapter: 'emqx',
    })
  }
  const noMatch = options.noMatch ?? (emqxVersion === 5 ? 'allow' : 'deny')
  const supported = options.supportedSubprotocols ?? EMQX_SUBPROTOCOLS
  const failIfNoSubprotocol = options.failIfNoSubprotocol ?? true
  const sessions = new WeakMap<Client, EmqxSession>()

  const decide = (client: Client | null, action: AclAction): 'allow' | 'deny' => {
    // Messages from the broker itself (REST publish, wills) are trusted, as EMQX's `http_api` publisher is.
    if (!client) return 'allow'
    const session = sessions.get(client)
    if (!session) return noMatch
    if (session.superuser) return 'allow'
    // The JWT ACL goes first; once a present `exp` has passed, everything is denied.
    if (session.exp !== undefined && now() / 1000 >= session.exp) return 'deny'
    const decision = checkAcl(session.acl, action, { username: session.username, clientid: client.id })
    return decision === 'nomatch' ? noMatch : decision
  }

  return {
    name: 'emqx',
    session: (client) => sessions.get(client),
    async authenticate(client, username, password): Promise<AuthResult> {
      const raw = options.from === 'username' ? username : password?.toString('utf8')
      if (!raw) return { ok: false, returnCode: 5, reason: 'no token' }
      const connect = { username: username ?? '', clientid: client.id }
      const expected: Record<string, string> = {}
      for (const [claim, template] of Object.entries(verifyClaims)) {
        expected[claim] = template.replace(
          /\$\{(username|clientid)\}/g,
          (_, name: 'username' | 'clientid') => connect[name],
        )
      }
      const verdict = await verifyEmqxJwt(raw, { key, algorithms, expected, nowSeconds: now() / 1000 })
      if (!verdict.ok) {
        // `ignore` with no authenticator after JWT ends as "not authorized"; claim failures as "bad user name or password".
        return { ok: false, returnCode: verdict.outcome === 'ignore' ? 5 : 4, reason: verdict.reason }
      }
      const acl = verdict.claims[aclClaimName]
      // EMQX compiles the whole ACL at CONNECT; one malformed rule refuses the token (bad_acl_rule).
      const problem = aclProblem(acl)
      if (problem) return { ok: false, returnCode: 4, reason: problem }
      const superuser = emqxTrue(verdict.claims.is_superuser)
      sessions.set(client, { username, acl, exp: verdict.exp, superuser })
      return { ok: true }
    },
    authorizePublish(client, packet) {
      if (decide(client, { type: 'publish', topic: packet.topic, qos: packet.qos, retain: packet.retain }) === 'allow')
        return
      if (options.denyAction === 'disconnect') throw new Error(`publish to ${packet.topic} not authorized`)
      packet.topic = DROPPED + packet.topic
      packet.retain = false
    },
    authorizeSubscribe(client, subscription) {
      const allowed =
        decide(client, { type: 'subscribe', topic: stripShare(subscription.topic), qos: subscription.qos }) === 'allow'
      return allowed ? subscription : null
    },
    authorizeForward(_client, packet) {
      return packet.topic.startsWith(DROPPED) ? null : packet
    },
    negotiateWebSocket: (offered) => negotiateEmqxSubprotocol(offered, supported, failIfNoSubprotocol),
    setup(host) {
      if (options.disconnectAfterExpire === false) return
      const timers = new Map<Client, ReturnType<typeof setTimeout>>()
      const arm = (client: Client): void => {
        const exp = sessions.get(client)?.exp
        if (exp === undefined) return
        const wait = exp * 1000 - now()
        const timer = setTimeout(
          () => {
            timers.delete(client)
            if (wait > MAX_TIMER_MS) return arm(client)
            // Only this very connection: a reconnect under the same client id has a fresh token.
            if (host.clients().get(client.id) === client) host.kick(client.id)
          },
          Math.max(0, Math.min(wait, MAX_TIMER_MS)),
        )
        timers.set(client, timer)
      }
      const offReady = host.onClientReady(arm)
      const offGone = host.onClientGone((client) => {
        clearTimeout(timers.get(client))
        timers.delete(client)
      })
      return () => {
        offReady()
        offGone()
        for (const timer of timers.values()) clearTimeout(timer)
        timers.clear()
      }
    },
  }
}

// emqx_authn_utils:to_bool/1: `true`, "true", and integers (or integer strings) of 1 or more.
function emqxTrue(value: unknown): boolean {
  if (value === true || value === 'true') return true
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1
  return typeof value === 'string' && /^[+-]?\d+$/.test(value) && Number(value) >= 1
}

function verificationKey(options: EmqxEmulationOptions): { key: Uint8Array | KeyObject; algorithms: string[] } {
  if (options?.secret !== undefined) {
    const secret =
      typeof options.secret !== 'string'
        ? options.secret
        : options.secretBase64Encoded
          ? new Uint8Array(Buffer.from(options.secret, 'base64'))
          : new TextEncoder().encode(options.secret)
    return { key: secret, algorithms: HMAC }
  }
  if (options?.publicKey !== undefined) {
    return {
      key: typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey,
      algorithms: PUBLIC_KEY,
    }
  }
  throw new TidingsError('INVALID_OPTIONS', 'emqxEmulation needs { secret } or { publicKey }', { adapter: 'emqx' })
}
