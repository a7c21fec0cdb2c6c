import { randomBytes } from 'node:crypto'
import {
  TidingsError,
  assertTopicFilter,
  type CredentialIssuer,
  type CredentialRequest,
  type IssuedCredentials,
} from '@tidings/core'
import { readMarker, writeMarker } from './credential-marker.js'
import type { Dynsec } from './create-dynsec.js'
import { keyedLock } from './keyed-lock.js'
import { ADAPTER, dynsecError } from './errors.js'
import { userRoleAcls } from './user-role.js'

/** Options of {@link mosquittoCredentialIssuer}. */
export interface MosquittoCredentialIssuerOptions {
  /** Prefix of each user's role name. @default 'tidings-user-' */
  rolePrefix?: string
  /** Prefix of the generated MQTT usernames (one per issued credential). @default 'tidings-' */
  usernamePrefix?: string
  /** Prefix of generated client ids, when the request names none. @default 'tidings-' */
  clientIdPrefix?: string
  /**
   * How often expired credentials are deleted (which disconnects their sessions), or `false` to call
   * `sweep()` yourself. Expiry is enforced to within this interval.
   * @default 30000
   */
  sweepIntervalMs?: number | false
  /** Longest `ttlSeconds` accepted. @default 86400 (one day) */
  maxTtlSeconds?: number
  /**
   * Let the sweep delete a user's role once their last credential expired. Turn it off when several
   * processes issue credentials and only one sweeps: Mosquitto 2.0.11 keeps a dangling reference when a
   * role is deleted while a client still holds it.
   * @default true
   */
  deleteIdleRoles?: boolean
  /** Called when a background sweep fails; the sweep keeps running. */
  onError?: (error: TidingsError) => void
  /** The clock, in milliseconds since the epoch. @default Date.now */
  now?: () => number
}

/** A {@link CredentialIssuer} backed by dynamic security, with revocation and an expiry sweep. */
export interface MosquittoCredentialIssuer extends CredentialIssuer {
  /** Deletes every credential of a user, disconnecting their sessions, then the user's role. Resolves with how many were deleted. */
  revoke(userId: string): Promise<number>
  /** Deletes expired credentials now (disconnecting their sessions). Resolves with how many were deleted. */
  sweep(): Promise<number>
  /** Stops the background sweep. Credentials stay valid until swept or revoked. */
  close(): void
}

/**
 * Issues short-lived, least-privilege Mosquitto credentials through the dynamic-security plugin.
 *
 * Each `issue()` creates one dynsec client: a random username and password, the client id pinned (any
 * other id is refused), and the user's role, which lists the request's topics literally (Mosquitto 2.0.x has
 * no `%u` in dynsec ACLs) and denies everything else. There is one role per user: issuing again for the same
 * user replaces the role's topics for all that user's live credentials. The expiry is written next to the
 * client in the broker and enforced by a sweep that deletes expired clients, which disconnects them.
 *
 * The sweep and `revoke()` list all dynsec clients, so they cost one round trip per call plus one per user
 * with something to delete.
 *
 * @example
 * ```ts
 * const issuer = mosquittoCredentialIssuer(await createDynsec({ url, username: 'admin', password }))
 * const creds = await issuer.issue({ userId: '42', subscribe: ['user/42/#'], publish: [], ttlSeconds: 3600 })
 * // hand creds to the browser: mosquitto({ host, credentials: () => creds })
 * ```
 */
export function mosquittoCredentialIssuer(
  dynsec: Dynsec,
  options: MosquittoCredentialIssuerOptions = {},
): MosquittoCredentialIssuer {
  if (!dynsec || typeof dynsec.execute !== 'function') {
    throw new TidingsError('INVALID_OPTIONS', 'mosquittoCredentialIssuer needs the result of createDynsec(…)', {
      adapter: ADAPTER,
    })
  }
  const rolePrefix = options.rolePrefix ?? 'tidings-user-'
  const usernamePrefix = options.usernamePrefix ?? 'tidings-'
  const clientIdPrefix = options.clientIdPrefix ?? 'tidings-'
  const maxTtlSeconds = options.maxTtlSeconds ?? 86_400
  const deleteIdleRoles = options.deleteIdleRoles ?? true
  const now = options.now ?? Date.now
  const withUser = keyedLock()
  // When each user last got a credential, so that a sweep working from an older snapshot of the clients
  // never deletes a role held by a credential issued since. Pruned by every sweep.
  const lastIssued = new Map<string, number>()
  let sweeping: Promise<number> | undefined

  const roleOf = (userId: string): string => `${rolePrefix}${userId}`

  const issue = async (req: CredentialRequest): Promise<IssuedCredentials> => {
    validate(req, maxTtlSeconds)
    const issuedAt = now()
    const expiresAt = issuedAt + req.ttlSeconds * 1000
    const rolename = roleOf(req.userId)
    const clientId = req.clientId ?? `${clientIdPrefix}${randomBytes(8).toString('hex')}`
    const username = `${usernamePrefix}${randomBytes(12).toString('hex')}`
    const password = randomBytes(24).toString('base64url')
    const acls = userRoleAcls(req.subscribe, req.publish)
    return withUser(req.userId, async () => {
      // One message: create the role if it is new, set its topics (modifyRole keeps sessions connected),
      // then the client. The plugin runs them in order.
      const [created, modified, client] = await dynsec.execute([
        { command: 'createRole', rolename, textname: `tidings user ${req.userId}`, acls },
        { command: 'modifyRole', rolename, acls },
        {
          command: 'createClient',
          username,
          password,
          clientid: clientId,
          textname: `tidings credential of user ${req.userId}`,
          textdescription: writeMarker({ userId: req.userId, expiresAt }),
          roles: [{ rolename }],
        },
      ])
      const failed = [
        created?.error && !/already exists/i.test(created.error) ? created : undefined,
        modified,
        client,
      ].find((r) => r?.error)
      if (failed) {
        if (!client?.error) await dynsec.deleteClient(username).catch(() => {})
        throw dynsecError(failed.command, failed.error ?? 'failed')
      }
      // Stamped once the broker confirmed the client: a sweep whose snapshot began earlier may not have seen it.
      lastIssued.set(req.userId, now())
      return { clientId, username, password, expiresAt: new Date(expiresAt) }
    })
  }

  const deleteCredentials = async (usernames: string[]): Promise<number> => {
    if (usernames.length === 0) return 0
    const results = await dynsec.execute(usernames.map((username) => ({ command: 'deleteClient', username })))
    // Already gone (another process swept it) counts as done.
    const failed = results.find((r) => r.error && !/not found/i.test(r.error))
    if (failed) throw dynsecError(failed.command, failed.error ?? 'failed')
    return results.filter((r) => !r.error).length
  }

  const deleteRole = async (rolename: string): Promise<void> => {
    await dynsec.deleteRole(rolename).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 'NOT_FOUND') throw error
    })
  }

  const sweepOnce = async (): Promise<number> => {
    const snapshotAt = now()
    const { items } = await dynsec.listClients()
    const users = new Map<string, { expired: string[]; live: number; roles: Set<string> }>()
    for (const client of items) {
      const marker = readMarker(client.textdescription)
      if (!marker) continue
      const user = users.get(marker.userId) ?? { expired: [], live: 0, roles: new Set<string>() }
      users.set(marker.userId, user)
      if (marker.expiresAt <= snapshotAt) {
        user.expired.push(client.username)
        for (const role of client.roles) user.roles.add(role.rolename)
      } else {
        user.live++
      }
    }
    let deleted = 0
    for (const [userId, user] of users) {
      if (user.expired.length === 0) continue
      await withUser(userId, async () => {
        deleted += await deleteCredentials(user.expired)
        if (!deleteIdleRoles || user.live > 0 || (lastIssued.get(userId) ?? 0) >= snapshotAt) return
        if (user.roles.has(roleOf(userId))) await deleteRole(roleOf(userId))
      })
    }
    for (const [userId, at] of lastIssued) if (at < snapshotAt) lastIssued.delete(userId)
    return deleted
  }

  const sweep = (): Promise<number> => {
    // A sweep already running covers a request for another one.
    sweeping ??= sweepOnce().finally(() => {
      sweeping = undefined
    })
    return sweeping
  }

  const revoke = (userId: string): Promise<number> => {
    if (typeof userId !== 'string' || userId.length === 0) {
      return Promise.reject(new TidingsError('INVALID_OPTIONS', 'revoke needs a userId', { adapter: ADAPTER }))
    }
    return withUser(userId, async () => {
      const { items } = await dynsec.listClients()
      const usernames = items.filter((c) => readMarker(c.textdescription)?.userId === userId).map((c) => c.username)
      // Clients first: deleting a role that a client still holds leaves Mosquitto 2.0.11 with a dangling reference.
      const deleted = await deleteCredentials(usernames)
      await deleteRole(roleOf(userId))
      return deleted
    })
  }

  let timer: ReturnType<typeof setInterval> | undefined
  const interval = options.sweepIntervalMs ?? 30_000
  if (interval !== false) {
    if (!(interval > 0))
      throw new TidingsError('INVALID_OPTIONS', 'sweepIntervalMs must be a positive number or false', {
        adapter: ADAPTER,
      })
    timer = setInterval(() => {
      sweep().catch((error: unknown) => options.onError?.(TidingsError.from(error, 'API_ERROR', { adapter: ADAPTER })))
    }, interval)
    // The sweep alone must not keep a backend process alive.
    timer.unref?.()
  }

  return {
    issue,
    revoke,
    sweep,
    close() {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
    },
  }
}

// --- internal ---

function validate(req: CredentialRequest, maxTtlSeconds: number): void {
  const fail = (why: string): never => {
    throw new TidingsError('INVALID_OPTIONS', `issue: ${why}`, { adapter: ADAPTER })
  }
  if (!req || typeof req !== 'object') fail('needs a request object')
  if (typeof req.userId !== 'string' || req.userId.length === 0) fail('userId must be a non-empty string')
  if (req.clientId !== undefined && (typeof req.clientId !== 'string' || req.clientId.length === 0))
    fail('clientId must be a non-empty string when given')
  if (!(Number.isFinite(req.ttlSeconds) && req.ttlSeconds > 0 && req.ttlSeconds <= maxTtlSeconds)) {
    fail(`ttlSeconds must be above 0 and at most ${maxTtlSeconds}, got ${String(req.ttlSeconds)}`)
  }
  if (!Array.isArray(req.subscribe) || !Array.isArray(req.publish))
    fail('subscribe and publish must be arrays of topic filters')
  for (const filter of [...req.subscribe, ...req.publish]) assertTopicFilter(filter)
}
