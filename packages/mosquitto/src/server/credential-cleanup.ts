import type { Dynsec } from './create-dynsec.js'
import { readMarker, readRoleMarker, type CredentialMarker, type RoleMarker } from './credential-marker.js'
import type { DynsecCommand } from './dynsec-types.js'
import { dynsecError } from './errors.js'

/** A client the issuer created, with its marker. */
export interface IssuedClient {
  username: string
  marker: CredentialMarker
}

/** What the issuer owns in the broker, and who holds which role. */
export interface Snapshot {
  clients: IssuedClient[]
  /** Roles carrying the issuer's role marker, by role name. */
  roles: Map<string, RoleMarker>
  /** Who holds each role: client usernames, and groups as `group:<name>`. Anyone's, marked or not. */
  holders: Map<string, Set<string>>
}

/**
 * Lists roles, clients and groups, in that order and usually in one message, which the plugin answers
 * before it runs anything else. Roles come first: a role and its client are created in one message, so a
 * role in the list has its client in the lists that follow, unless a full batch split that message in two
 * (which only a role created moments ago can show, hence the age limit on orphans).
 */
export async function takeSnapshot(dynsec: Dynsec): Promise<Snapshot> {
  const [roles, clients, groups] = await Promise.all([dynsec.listRoles(), dynsec.listClients(), dynsec.listGroups()])
  const issued: IssuedClient[] = []
  const holders = new Map<string, Set<string>>()
  const hold = (rolename: string, holder: string): void => {
    const set = holders.get(rolename) ?? new Set<string>()
    holders.set(rolename, set.add(holder))
  }
  for (const client of clients.items) {
    const marker = readMarker(client.textdescription)
    if (marker) issued.push({ username: client.username, marker })
    for (const role of client.roles) hold(role.rolename, client.username)
  }
  for (const group of groups.items) for (const role of group.roles) hold(role.rolename, `group:${group.groupname}`)
  const owned = new Map<string, RoleMarker>()
  for (const role of roles.items) {
    const marker = readRoleMarker(role.textdescription)
    if (marker) owned.set(role.rolename, marker)
  }
  return { clients: issued, roles: owned, holders }
}

/**
 * Deletes credentials and the roles made for them: each client first, then its role, in that order in
 * one message. Mosquitto 2.0.11 keeps a dangling reference when a role is deleted while a client holds it;
 * a credential's role is held by that client alone, so once the client is gone nothing can hold it.
 *
 * A role is deleted only when it carries the issuer's marker for that very client and no one else (no
 * other client, no group) holds it. With `orphansBefore`, marked roles that no one holds and that were
 * created before that time go too (a backend stopped between deleting a client and its role); the time
 * leaves alone a role whose client is being created in a batch split in two.
 *
 * Safe to run from several processes at once: deleting what another process already deleted is "not
 * found", which counts as done. Resolves with how many clients this call deleted.
 */
export async function deleteCredentials(
  dynsec: Dynsec,
  snapshot: Snapshot,
  doomed: readonly IssuedClient[],
  { orphansBefore }: { orphansBefore?: number } = {},
): Promise<number> {
  const commands: DynsecCommand[] = []
  const heldByOthers = (rolename: string, username: string): boolean =>
    [...(snapshot.holders.get(rolename) ?? [])].some((holder) => holder !== username)
  for (const { username, marker } of doomed) {
    commands.push({ command: 'deleteClient', username })
    const { role } = marker
    if (role !== undefined && snapshot.roles.get(role)?.username === username && !heldByOthers(role, username))
      commands.push({ command: 'deleteRole', rolename: role })
  }
  if (orphansBefore !== undefined) {
    for (const [rolename, role] of snapshot.roles)
      if (!snapshot.holders.has(rolename) && role.createdAt < orphansBefore)
        commands.push({ command: 'deleteRole', rolename })
  }
  if (commands.length === 0) return 0
  const results = await dynsec.execute(commands)
  // Already gone (another process got there first) counts as done.
  const failed = results.find((r) => r.error !== undefined && !/not found/i.test(r.error))
  if (failed) throw dynsecError(failed.command, failed.error ?? 'failed')
  return results.filter((r, i) => r.error === undefined && commands[i]?.command === 'deleteClient').length
}
