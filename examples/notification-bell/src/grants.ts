import { grant, type CredentialIssuer, type IssuedCredentials } from '@tidings/core'
import { notifications, unread } from './topics.js'

/**
 * What a user's page may do on the broker: subscribe to that user's two bell topics, publish nothing.
 * Built with `grant()` from the very definitions the page subscribes to, so the grant and the page can
 * never drift apart, and a user id such as `+` or `#` is refused instead of granting every user's topics.
 */
export function pageGrants(userId: string): { subscribe: string[]; publish: string[] } {
  return { subscribe: [grant(notifications, { userId }), grant(unread, { userId })], publish: [] }
}

/** What the backend's own connection may do: publish to every user's bell topics, subscribe to nothing. */
export function backendGrants(): { subscribe: string[]; publish: string[] } {
  return { subscribe: [], publish: [grant('user/+/notifications', {}), grant('user/+/unread', {})] }
}

/** Issues a page's short-lived credentials for the logged-in `userId`. */
export function issuePageCredentials(
  issuer: CredentialIssuer,
  userId: string,
  ttlSeconds: number,
): Promise<IssuedCredentials> {
  return issuer.issue({ userId, ...pageGrants(userId), ttlSeconds })
}
