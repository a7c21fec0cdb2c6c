/**
 * What the issuer writes into the `textdescription` of the clients and roles it creates. Kept in the broker
 * (not in the backend's memory), it lets any backend process, or the same one after a restart, sweep
 * expired credentials and revoke a user's, and it is how the issuer recognises what it may delete: a
 * client or role without a marker was made by someone else and is never touched.
 */
export interface CredentialMarker {
  userId: string
  /** Milliseconds since the epoch. */
  expiresAt: number
  /** The role created for this credential alone. Absent on credentials of earlier versions (shared roles). */
  role?: string
}

const CLIENT_KEY = 'tidings-credential'
const ROLE_KEY = 'tidings-credential-role'

export function writeMarker(marker: CredentialMarker): string {
  return JSON.stringify({ [CLIENT_KEY]: marker })
}

/** The marker in a client's `textdescription`, or undefined for clients the issuer did not create. */
export function readMarker(text: string | undefined): CredentialMarker | undefined {
  const value = parse(text, CLIENT_KEY)
  if (typeof value?.userId !== 'string' || typeof value.expiresAt !== 'number') return undefined
  const marker: CredentialMarker = { userId: value.userId, expiresAt: value.expiresAt }
  if (typeof value.role === 'string') marker.role = value.role
  return marker
}

/** What a role's marker holds: the credential (dynsec username) it was created for, and when. */
export interface RoleMarker {
  username: string
  /** Milliseconds since the epoch. */
  createdAt: number
}

export function writeRoleMarker(marker: RoleMarker): string {
  return JSON.stringify({ [ROLE_KEY]: marker })
}

/** The marker in a role's `textdescription`, or undefined for roles the issuer did not create. */
export function readRoleMarker(text: string | undefined): RoleMarker | undefined {
  const value = parse(text, ROLE_KEY)
  if (typeof value?.username !== 'string' || typeof value.createdAt !== 'number') return undefined
  return { username: value.username, createdAt: value.createdAt }
}

function parse(text: string | undefined, key: string): Record<string, unknown> | undefined {
  if (typeof text !== 'string' || !text.includes(key)) return undefined
  try {
    const value = (JSON.parse(text) as Record<string, unknown>)[key]
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
  } catch {
    // Someone else's description that happens to mention the key.
    return undefined
  }
}
