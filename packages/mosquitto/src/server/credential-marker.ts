/**
 * What the issuer stores in a dynsec client's `textdescription`: whose credential it is and when it
 * expires. Keeping it in the broker (not in the backend's memory) lets any backend process, or the same one
 * after a restart, sweep expired credentials and revoke a user's.
 */
export interface CredentialMarker {
  userId: string
  /** Milliseconds since the epoch. */
  expiresAt: number
}

const KEY = 'tidings-credential'

export function writeMarker(marker: CredentialMarker): string {
  return JSON.stringify({ [KEY]: { userId: marker.userId, expiresAt: marker.expiresAt } })
}

/** The marker in a `textdescription`, or undefined for clients the issuer did not create. */
export function readMarker(text: string | undefined): CredentialMarker | undefined {
  if (!text?.includes(KEY)) return undefined
  try {
    const value = (JSON.parse(text) as Record<string, unknown>)[KEY] as Partial<CredentialMarker> | undefined
    if (typeof value?.userId === 'string' && typeof value.expiresAt === 'number')
      return { userId: value.userId, expiresAt: value.expiresAt }
  } catch {
    // Someone else's description that happens to mention the key.
  }
  return undefined
}
