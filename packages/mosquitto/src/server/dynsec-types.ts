/**
 * Types of the Mosquitto dynamic-security control API (`$CONTROL/dynamic-security/v1`). Field names are
 * the plugin's own, so its documentation applies as written.
 *
 * @module
 */

/** What an ACL entry governs. Higher `priority` entries are checked first; unmatched checks fall to the default access. */
export type DynsecAclType =
  | 'publishClientSend'
  | 'publishClientReceive'
  | 'subscribeLiteral'
  | 'subscribePattern'
  | 'unsubscribeLiteral'
  | 'unsubscribePattern'

/** One ACL entry of a role. */
export interface DynsecAcl {
  acltype: DynsecAclType
  /** A topic or filter; `+`/`#` act as wildcards for the `*Pattern`, `publish*` types. */
  topic: string
  allow: boolean
  /** @default 0 */
  priority?: number
}

/** The four kinds of default access applied when no ACL entry matches. */
export type DynsecDefaultAclType = 'publishClientSend' | 'publishClientReceive' | 'subscribe' | 'unsubscribe'

/** One default-access setting. */
export interface DynsecDefaultAcl {
  acltype: DynsecDefaultAclType
  allow: boolean
}

/** A role held by a client or group. */
export interface DynsecRoleRef {
  rolename: string
  priority?: number
}

/** A group a client belongs to. */
export interface DynsecGroupRef {
  groupname: string
  priority?: number
}

/** A client (an MQTT username) as the plugin reports it. */
export interface DynsecClient {
  username: string
  /** The only client id this username may connect with, when pinned. */
  clientid?: string
  textname?: string
  textdescription?: string
  disabled?: boolean
  roles: DynsecRoleRef[]
  groups: DynsecGroupRef[]
}

/** Fields of `createClient`. */
export interface DynsecCreateClient {
  username: string
  /** Without a password the client cannot log in until one is set. */
  password?: string
  /** Pins the client id: connecting with any other id is refused. */
  clientid?: string
  textname?: string
  textdescription?: string
  roles?: DynsecRoleRef[]
  groups?: DynsecGroupRef[]
}

/** Fields of `modifyClient`; omitted fields stay as they are. Mosquitto disconnects the client's sessions. */
export type DynsecModifyClient = Partial<DynsecCreateClient> & { username: string }

/** A role as the plugin reports it. */
export interface DynsecRole {
  rolename: string
  textname?: string
  textdescription?: string
  acls: DynsecAcl[]
}

/** Fields of `createRole`. */
export interface DynsecCreateRole {
  rolename: string
  textname?: string
  textdescription?: string
  acls?: DynsecAcl[]
}

/** Fields of `modifyRole`; `acls`, when given, replaces the whole list. */
export type DynsecModifyRole = DynsecCreateRole

/** A group as the plugin reports it. */
export interface DynsecGroup {
  groupname: string
  textname?: string
  textdescription?: string
  roles: DynsecRoleRef[]
  clients: Array<{ username: string; priority?: number }>
}

/** Fields of `createGroup`. */
export interface DynsecCreateGroup {
  groupname: string
  textname?: string
  textdescription?: string
  roles?: DynsecRoleRef[]
}

/** Fields of `modifyGroup`. */
export type DynsecModifyGroup = DynsecCreateGroup

/** Paging of the `list*` commands. */
export interface DynsecListOptions {
  /** @default -1 (all) */
  count?: number
  /** @default 0 */
  offset?: number
}

/** A page of a `list*` command. */
export interface DynsecList<T> {
  totalCount: number
  items: T[]
}

/** A raw control command: `{ command: 'createClient', username: '…', … }`. */
export interface DynsecCommand {
  command: string
  [field: string]: unknown
}

/** The plugin's answer to one command. */
export interface DynsecResult {
  command: string
  /** The plugin's error message (`'Client already exists'`, `'Role not found'`, …) when the command failed. */
  error?: string
  /** What getters and lists return. */
  data?: Record<string, unknown>
}
