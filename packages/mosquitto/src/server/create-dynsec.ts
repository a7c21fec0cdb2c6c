import { TidingsError } from '@tidings/core'
import type { MqttClient } from 'mqtt'
import { connectMqtt, type MqttConnectOptions } from './connect-mqtt.js'
import { openDynsecChannel, RESPONSE_TOPIC } from './dynsec-channel.js'
import type {
  DynsecAcl,
  DynsecAclType,
  DynsecClient,
  DynsecCommand,
  DynsecCreateClient,
  DynsecCreateGroup,
  DynsecCreateRole,
  DynsecDefaultAcl,
  DynsecGroup,
  DynsecList,
  DynsecListOptions,
  DynsecModifyClient,
  DynsecModifyGroup,
  DynsecModifyRole,
  DynsecResult,
  DynsecRole,
} from './dynsec-types.js'
import { checkCommand } from './command-check.js'
import { ADAPTER, dynsecError, safeCause } from './errors.js'

/** Options of {@link createDynsec}. */
export interface DynsecOptions extends MqttConnectOptions {
  /** A dynsec client with the `admin` role (as created by `mosquitto_ctrl dynsec init`). */
  username: string
  password: string
  /** Time allowed for the plugin to answer a command. @default 10000 */
  timeoutMs?: number
  /** Most commands sent in one control message. @default 100 */
  maxBatch?: number
}

/**
 * An admin connection to Mosquitto's dynamic-security plugin. Each method sends one command; commands
 * issued in the same tick are batched into one message. A failed command rejects with a TidingsError
 * carrying the plugin's message: ALREADY_EXISTS, NOT_FOUND or API_ERROR.
 *
 * Every string of a command is checked before the command joins a batch: a NUL (Mosquitto would cut the
 * name there and act on another client or role) or a lone UTF-16 surrogate (Mosquitto would refuse the
 * whole batch, leaving the other callers' commands unanswered) rejects that command alone with
 * INVALID_OPTIONS.
 */
export interface Dynsec {
  /** The MQTT.js connection underneath. */
  readonly client: MqttClient

  createClient(client: DynsecCreateClient): Promise<void>
  /** Deletes a client; Mosquitto disconnects its sessions at once. */
  deleteClient(username: string): Promise<void>
  /** Mosquitto disconnects the client's sessions and refuses new ones. */
  disableClient(username: string): Promise<void>
  enableClient(username: string): Promise<void>
  getClient(username: string): Promise<DynsecClient>
  /** Every client (or a page of them) with its client id, descriptions, roles and groups. */
  listClients(options?: DynsecListOptions): Promise<DynsecList<DynsecClient>>
  /** Changes a client; Mosquitto disconnects its sessions. */
  modifyClient(client: DynsecModifyClient): Promise<void>
  /** Pins the client id, or unpins it when `clientid` is omitted. */
  setClientId(username: string, clientid?: string): Promise<void>
  /** Mosquitto disconnects the client's sessions. */
  setClientPassword(username: string, password: string): Promise<void>
  addClientRole(username: string, rolename: string, priority?: number): Promise<void>
  removeClientRole(username: string, rolename: string): Promise<void>

  createRole(role: DynsecCreateRole): Promise<void>
  /** Delete a role only once no client or group holds it: Mosquitto 2.0.11 keeps a dangling reference otherwise. */
  deleteRole(rolename: string): Promise<void>
  getRole(rolename: string): Promise<DynsecRole>
  /** Every role (or a page of them) with its ACLs. */
  listRoles(options?: DynsecListOptions): Promise<DynsecList<DynsecRole>>
  /** `acls`, when given, replaces the whole list. Connected clients keep their sessions. */
  modifyRole(role: DynsecModifyRole): Promise<void>
  addRoleACL(rolename: string, acl: DynsecAcl): Promise<void>
  removeRoleACL(rolename: string, acltype: DynsecAclType, topic: string): Promise<void>

  createGroup(group: DynsecCreateGroup): Promise<void>
  deleteGroup(groupname: string): Promise<void>
  getGroup(groupname: string): Promise<DynsecGroup>
  /** Every group (or a page of them) with its roles and clients. */
  listGroups(options?: DynsecListOptions): Promise<DynsecList<DynsecGroup>>
  modifyGroup(group: DynsecModifyGroup): Promise<void>
  addGroupClient(groupname: string, username: string, priority?: number): Promise<void>
  removeGroupClient(groupname: string, username: string): Promise<void>
  addGroupRole(groupname: string, rolename: string, priority?: number): Promise<void>
  removeGroupRole(groupname: string, rolename: string): Promise<void>
  /** The group unauthenticated clients belong to. */
  setAnonymousGroup(groupname: string): Promise<void>
  getAnonymousGroup(): Promise<string>

  /** What applies when no ACL entry matches. */
  setDefaultACLAccess(acls: DynsecDefaultAcl[]): Promise<void>
  getDefaultACLAccess(): Promise<DynsecDefaultAcl[]>

  /**
   * Sends raw commands in one message and resolves with the plugin's answer to each, failures included
   * (`result.error`). Rejects when the answers do not arrive, or, sending nothing, with INVALID_OPTIONS
   * when any command holds a string the plugin would misread (a NUL or a lone surrogate).
   */
  execute(commands: DynsecCommand[]): Promise<DynsecResult[]>
  /** Closes the admin connection; commands still waiting reject with CLIENT_CLOSED. */
  close(): Promise<void>
}

/**
 * Connects to Mosquitto as a dynamic-security admin and resolves once the control topic is usable.
 * Rejects with NOT_AUTHORIZED when the account is refused or may not use `$CONTROL/dynamic-security/#`.
 *
 * @example
 * ```ts
 * const dynsec = await createDynsec({ url: 'mqtt://127.0.0.1:1883', username: 'admin', password })
 * await dynsec.createRole({ rolename: 'backend', acls: [{ acltype: 'publishClientSend', topic: 'user/#', allow: true }] })
 * await dynsec.createClient({ username: 'backend', password: backendPassword, roles: [{ rolename: 'backend' }] })
 * ```
 */
export async function createDynsec(options: DynsecOptions): Promise<Dynsec> {
  if (!options?.username || typeof options.password !== 'string') {
    throw new TidingsError('INVALID_OPTIONS', 'createDynsec needs the username and password of a dynsec admin', {
      adapter: ADAPTER,
    })
  }
  const client = await connectMqtt(options)
  try {
    await client.subscribeAsync(RESPONSE_TOPIC, { qos: 1 })
  } catch (error) {
    client.end(true)
    throw new TidingsError('NOT_AUTHORIZED', `${options.username} may not use the dynamic-security control topic`, {
      adapter: ADAPTER,
      cause: safeCause(error),
    })
  }
  const channel = openDynsecChannel(client, {
    timeoutMs: options.timeoutMs ?? 10_000,
    maxBatch: options.maxBatch ?? 100,
  })

  const run = async (command: DynsecCommand): Promise<Record<string, unknown>> => {
    const result = await channel.submit(command)
    if (result.error !== undefined) throw dynsecError(result.command, result.error)
    return result.data ?? {}
  }
  const exec = async (command: DynsecCommand): Promise<void> => {
    await run(command)
  }
  const list = async <T>(
    command: string,
    key: string,
    options: DynsecListOptions | undefined,
    normalize: (raw: unknown) => T,
  ): Promise<DynsecList<T>> => {
    const data = await run({ command, verbose: true, ...options })
    const items = Array.isArray(data[key]) ? (data[key] as unknown[]) : []
    return {
      totalCount: typeof data.totalCount === 'number' ? data.totalCount : items.length,
      items: items.map(normalize),
    }
  }

  return {
    client,

    createClient: (c) => exec({ command: 'createClient', ...c }),
    deleteClient: (username) => exec({ command: 'deleteClient', username }),
    disableClient: (username) => exec({ command: 'disableClient', username }),
    enableClient: (username) => exec({ command: 'enableClient', username }),
    getClient: async (username) => toClient((await run({ command: 'getClient', username })).client),
    listClients: (o) => list('listClients', 'clients', o, toClient),
    modifyClient: (c) => exec({ command: 'modifyClient', ...c }),
    setClientId: (username, clientid) => exec({ command: 'setClientId', username, clientid }),
    setClientPassword: (username, password) => exec({ command: 'setClientPassword', username, password }),
    addClientRole: (username, rolename, priority) => exec({ command: 'addClientRole', username, rolename, priority }),
    removeClientRole: (username, rolename) => exec({ command: 'removeClientRole', username, rolename }),

    createRole: (r) => exec({ command: 'createRole', ...r }),
    deleteRole: (rolename) => exec({ command: 'deleteRole', rolename }),
    getRole: async (rolename) => toRole((await run({ command: 'getRole', rolename })).role),
    listRoles: (o) => list('listRoles', 'roles', o, toRole),
    modifyRole: (r) => exec({ command: 'modifyRole', ...r }),
    addRoleACL: (rolename, acl) => exec({ command: 'addRoleACL', rolename, ...acl }),
    removeRoleACL: (rolename, acltype, topic) => exec({ command: 'removeRoleACL', rolename, acltype, topic }),

    createGroup: (g) => exec({ command: 'createGroup', ...g }),
    deleteGroup: (groupname) => exec({ command: 'deleteGroup', groupname }),
    getGroup: async (groupname) => toGroup((await run({ command: 'getGroup', groupname })).group),
    listGroups: (o) => list('listGroups', 'groups', o, toGroup),
    modifyGroup: (g) => exec({ command: 'modifyGroup', ...g }),
    addGroupClient: (groupname, username, priority) =>
      exec({ command: 'addGroupClient', groupname, username, priority }),
    removeGroupClient: (groupname, username) => exec({ command: 'removeGroupClient', groupname, username }),
    addGroupRole: (groupname, rolename, priority) => exec({ command: 'addGroupRole', groupname, rolename, priority }),
    removeGroupRole: (groupname, rolename) => exec({ command: 'removeGroupRole', groupname, rolename }),
    setAnonymousGroup: (groupname) => exec({ command: 'setAnonymousGroup', groupname }),
    getAnonymousGroup: async () => {
      const group = (await run({ command: 'getAnonymousGroup' })).group as { groupname?: unknown } | undefined
      return typeof group?.groupname === 'string' ? group.groupname : ''
    },

    setDefaultACLAccess: (acls) => exec({ command: 'setDefaultACLAccess', acls }),
    getDefaultACLAccess: async () => {
      const acls = (await run({ command: 'getDefaultACLAccess' })).acls
      return Array.isArray(acls) ? (acls as DynsecDefaultAcl[]) : []
    },

    execute: (commands) => {
      if (!Array.isArray(commands))
        return Promise.reject(
          new TidingsError('INVALID_OPTIONS', 'execute needs an array of commands', { adapter: ADAPTER }),
        )
      // All or nothing: one command that cannot be sent keeps the whole list back, so a caller never
      // gets half of a sequence it meant to run in order.
      for (const command of commands) {
        const invalid = checkCommand(command)
        if (invalid) return Promise.reject(invalid)
      }
      return Promise.all(commands.map((command) => channel.submit(command)))
    },
    async close() {
      channel.close()
      await client.endAsync()
    },
  }
}

// --- internal ---

function record(raw: unknown): Record<string, unknown> {
  return raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {}
}

// With `verbose: false` the plugin lists bare names; the typed wrappers always ask for verbose lists,
// but names are accepted here too so a record is always an object.
function toClient(raw: unknown): DynsecClient {
  const r = typeof raw === 'string' ? { username: raw } : record(raw)
  return {
    ...r,
    username: String(r.username),
    roles: Array.isArray(r.roles) ? r.roles : [],
    groups: Array.isArray(r.groups) ? r.groups : [],
  } as DynsecClient
}

function toRole(raw: unknown): DynsecRole {
  const r = typeof raw === 'string' ? { rolename: raw } : record(raw)
  return { ...r, rolename: String(r.rolename), acls: Array.isArray(r.acls) ? r.acls : [] } as DynsecRole
}

function toGroup(raw: unknown): DynsecGroup {
  const r = typeof raw === 'string' ? { groupname: raw } : record(raw)
  return {
    ...r,
    groupname: String(r.groupname),
    roles: Array.isArray(r.roles) ? r.roles : [],
    clients: Array.isArray(r.clients) ? r.clients : [],
  } as DynsecGroup
}
