import type { CredentialIssuer, ServerPublisher, TidingsClient } from '@tidings/core'
import { startBellBackend, type BellBackend, type PageConfig } from './workspace.js'

/** The notification-bell example running against one broker: its backend, which also serves the page. */
export interface BellStack {
  readonly backend: BellBackend
  /** The page: opening it logs the browser in as the stack's user (`maya`). */
  readonly pageUrl: string
  readonly config: PageConfig
  /** Sends an event to the backend's API, as another user's action would; resolves to the new unread count. */
  post(action: 'like' | 'follow' | 'comment', body?: Record<string, string>): Promise<number>
  /** The unread count as the backend knows it. */
  unread(): Promise<number>
  close(): Promise<void>
}

/** How the backend publishes: a server publisher, or a connected client (the caller closes either). */
export type BellPublisher =
  | { publisher: ServerPublisher; client?: undefined }
  | { client: TidingsClient; publisher?: undefined }

/**
 * Starts the bell backend serving the built page in `pageDir`, with `config` pointing the page at its broker,
 * `issuer` issuing the page's credentials, and `publish` delivering the notifications.
 */
export async function startBellStack(options: {
  pageDir: string
  config: PageConfig
  issuer: CredentialIssuer
  publish: BellPublisher
  userId?: string
}): Promise<BellStack> {
  const userId = options.userId ?? 'maya'
  const backend = await startBellBackend({
    ...options.publish,
    issuer: options.issuer,
    page: { dir: options.pageDir, config: options.config },
    demoUser: userId,
  })
  const own = backend.login(userId)
  const reader = backend.login('reader')
  return {
    backend,
    pageUrl: `${backend.url}/`,
    config: options.config,
    async post(action, body = { from: 'Ann Lee', article: 'Designing for calm software', text: 'Lovely.' }) {
      const response = await fetch(`${backend.url}/api/users/${userId}/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: reader },
        body: JSON.stringify(body),
      })
      if (!response.ok) throw new Error(`bell backend answered ${response.status}: ${await response.text()}`)
      return ((await response.json()) as { unread: number }).unread
    },
    async unread() {
      const response = await fetch(`${backend.url}/api/notifications`, { headers: { cookie: own } })
      return ((await response.json()) as { unread: number }).unread
    },
    close: () => backend.close(),
  }
}
