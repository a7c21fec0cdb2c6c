import { randomBytes } from 'node:crypto'
import {
  TidingsError,
  assertIdentifier,
  identifierProblem,
  type CredentialIssuer,
  type CredentialRequest,
  type IssuedCredentials,
} from '@tidings/core'
import { checkCredentialRequest } from '@tidings/core/server'
import { deleteCredentials, takeSnapshot } from './credential-cleanup.js'
import { writeMarker, writeRoleMarker } from './credential-marker.js'
import { credentialRoleAcls } from './credential-role.js'
import type { Dynsec } from './create-dynsec.js'
import type { DynsecCommand } from './dynsec-types.js'
import { ADAPTER, dynsecError } from './errors.js'
import { keyedLock } from './keyed-lock.js'

/** Options of {@link mosquittoCredentialIssuer}. */
export interface MosquittoCredentialIssuerOptions {
  /** Prefix of the role made for each credential; may be empty. @default 'tidings-credential-' */
  rolePrefix?: string
  /** Prefix of the generated MQTT usernames (one per issued credential). @default 'tidings-' */
  usernamePrefix?: string
  /** Prefix of generated client ids, when the request names none. @default 'tidings-' */
  clientIdPrefix?: string
  /**
   * How often expired credentials are deleted (which disconnects their sessions), or `false` to call
   * `sweep()` yourself. Expiry is enforced to within this interval, and only while some process sweeps.
   * With an interval, the first sweep runs right away, so a restarted backend catches up at once.
   * @default 30000
   */
  sweepIntervalMs?: number | false
  /** Longest `ttlSeconds` accepted; longer requests are refused with INVALID_OPTIONS, never capped. @default 86400 (one day) */
  maxTtlSeconds?: number
  /** Called when a background sweep fails; the sweep keeps running. */
  onError?: (error: TidingsError) => void
  /** The clock, in milliseconds since the epoch. @default Date.now */
  now?: () => number
}

/** A {@link CredentialIssuer} backed by dynamic security, with revocation and an expiry sweep. */
export interface MosquittoCredentialIssuer extends CredentialIssuer {
  /** Deletes every credential of a user, disconnecting their sessions, and their roles. Resolves with how many credentials were deleted. */
  revoke(userId: string): Promise<number>
  /** Deletes expired credentials now (disconnecting their sessions). Resolves with how many were deleted. */
  sweep(): Promise<number>
  /** Stops the background sweep. Credentials stay valid until swept or revoked. */
  close(): void
}

// A role whose client is missing may be half of an issue() still in flight; only older ones are orphans.
const ORPHAN_AGE_MS = 5 * 60_000

/**
 * Issues short-lived, least-privilege Mosquitto credentials through the dynamic-security plugin.
 *
 * Each `issue()` runs the request through core's `checkCredentialRequest` (user and client id, every grant,
 * `ttlSeconds` ≤ `maxTtlSeconds`), then creates, in one control message, a role holding exactly the
 * request's topics (literal: Mosquitto 2.0.x has no `%u` in dynsec ACLs) and denying everything else, and
 * one client with a random username and password, its client id pinned, holding that role alone. Role
 * and username are random, so no user id can name, meet or widen another user's role, nor an existing one.
 *
 * Both carry a marker in their `textdescription` (whose credential, when it expires); the issuer deletes
 * only what carries it. A sweep deletes expired clients, which disconnects them, each with its own role.
 * Dynamic security has no expiry of its own: while no process sweeps, expired credentials keep working.
 * Sweeping from several processes at once is safe.
 *
 * The sweep and `revoke()` list all dynsec roles, clients and groups in one round trip, plus one to delete.
 *
 * @example
 * ```ts
 * const issuer = mosquittoCredentialIssuer(await createDynsec({ url, username: 'admin', password }))
 * const creds = await issuer.issue({
 *   userId: user.id,
 *   subscribe: [grant('user/{userId}/#', { userId: user.id })],
 *   publish: [],
 *   ttlSeconds: 3600,
 * })
 * // hand creds to the browser: mosquitto({ host, credentials: () => creds })
 * ```
 */
export function mosquittoCredentialIssuer(
  dynsec: Dynsec,
  options: MosquittoCredentialIssuerOptions = {},
): MosquittoCredentialIssuer {
  if (!dynsec || typeof dynsec.execute !== 'function') {
    throw invalid('mosquittoCredentialIssuer needs the result of createDynsec(…)')
  }
  const rolePrefix = prefix('rolePrefix', options.rolePrefix, 'tidings-credential-')
  const usernamePrefix = prefix('usernamePrefix', options.usernamePrefix, 'tidings-')
  const clientIdPrefix = prefix('clientIdPrefix', options.clientIdPrefix, 'tidings-')
  const maxTtlSeconds = options.maxTtlSeconds ?? 86_400
  if (!Number.isInteger(maxTtlSeconds) || maxTtlSeconds <= 0)
    throw invalid(`maxTtlSeconds must be a positive whole number, got ${String(maxTtlSeconds)}`)
  const now = options.now ?? Date.now
  // Within this process, revoke() waits for the user's issues in flight, so none survives a logout.
  const withUser = keyedLock()
  let sweeping: Promise<number> | undefined

  const issue = async (request: CredentialRequest): Promise<IssuedCredentials> => {
    const req = checkCredentialRequest(request, { maxTtlSeconds })
    const createdAt = now()
    const expiresAt = createdAt + req.ttlSeconds * 1000
    const id = randomBytes(12).toString('hex')
    const username = `${usernamePrefix}${id}`
    const rolename = `${rolePrefix}${id}`
    const clientId = req.clientId ?? `${clientIdPrefix}${randomBytes(8).toString('hex')}`
    const password = randomBytes(24).toString('base64url')
    // One message: the plugin runs both in order before anything else, so no snapshot sees one without the other.
    const [role, client] = await withUser(req.userId, () =>
      dynsec.execute([
        {
          command: 'createRole',
          rolename,
          textname: `tidings credential of user ${req.userId}`,
          textdescription: writeRoleMarker({ username, createdAt }),
          acls: credentialRoleAcls(req.subscribe, req.publish),
        },
        {
          command: 'createClient',
          username,
          password,
          clientid: clientId,
          textname: `tidings credential of user ${req.userId}`,
          textdescription: writeMarker({ userId: req.userId, expiresAt, role: rolename }),
          roles: [{ rolename }],
        },
      ]),
    )
    const failed = [role, client].find((r) => r?.error !== undefined)
    if (failed) {
      // The password was never handed out, so a client holding a role that is not ours (a role of that
      // random name already existed) is harmless until deleted here. Client first, then our role.
      const undo: DynsecCommand[] = []
      if (client?.error === undefined) undo.push({ command: 'deleteClient', username })
      if (role?.error === undefined) undo.push({ command: 'deleteRole', rolename })
      if (undo.length > 0) await dynsec.execute(undo).catch(() => {})
      throw dynsecError(failed.command, failed.error ?? 'failed')
    }
    return { clientId, username, password, expiresAt: new Date(expiresAt) }
  }

  const sweepOnce = async (): Promise<number> => {
    const at = now()
    const snapshot = await takeSnapshot(dynsec)
    const expired = snapshot.clients.filter((c) => c.marker.expiresAt <= at)
    return deleteCredentials(dynsec, snapshot, expired, { orphansBefore: at - ORPHAN_AGE_MS })
  }

  const sweep = (): Promise<number> => {
    // A sweep already running covers a request for another one.
    sweeping ??= sweepOnce().finally(() => {
      sweeping = undefined
    })
    return sweeping
  }

  const revoke = async (userId: string): Promise<number> => {
    assertIdentifier('userId', userId)
    return withUser(userId, async () => {
      const snapshot = await takeSnapshot(dynsec)
      const theirs = snapshot.clients.filter((c) => c.marker.userId === userId)
      return deleteCredentials(dynsec, snapshot, theirs)
    })
  }

  let timer: ReturnType<typeof setInterval> | undefined
  let first: ReturnType<typeof setTimeout> | undefined
  const interval = options.sweepIntervalMs ?? 30_000
  if (interval !== false) {
    if (!(typeof interval === 'number' && interval > 0))
      throw invalid('sweepIntervalMs must be a positive number or false')
    const background = (): void => {
      sweep().catch((error: unknown) => options.onError?.(TidingsError.from(error, 'API_ERROR', { adapter: ADAPTER })))
    }
    first = setTimeout(background, 0)
    timer = setInterval(background, interval)
    // The sweep alone must not keep a backend process alive.
    first.unref?.()
    timer.unref?.()
  }

  return {
    issue,
    revoke,
    sweep,
    close() {
      clearTimeout(first)
      clearInterval(timer)
      first = timer = undefined
    },
  }
}

// --- internal ---

function invalid(message: string): TidingsError {
  return new TidingsError('INVALID_OPTIONS', message, { adapter: ADAPTER })
}

// Prefixes end up in usernames, role names and client ids: the same rules as an identifier, but may be empty.
function prefix(name: string, value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback
  const problem = value === '' ? undefined : identifierProblem(value, 64)
  if (problem) throw invalid(`${name} ${problem}`)
  return value
}
