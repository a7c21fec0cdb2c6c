import { createClient, type ClientOptions, type TidingsClient } from '@tidings/core'
import { startBellBackend, startPageServer, type BellBackend, type PageConfig, type PageServer } from './workspace.js'

/** The notification-bell example running against one broker: its backend, and the page server. */
export interface BellStack {
  readonly backend: BellBackend
  readonly pageServer: PageServer
  /** The backend's own MQTT connection. */
  readonly publisher: TidingsClient
  readonly config: PageConfig
  /** Sends an event to the backend's API, as another user's action would; resolves to the new unread count. */
  post(action: 'like' | 'follow' | 'comment' | 'read-all', body?: Record<string, string>): Promise<number>
  /** The unread count as the backend knows it. */
  unread(): Promise<number>
  close(): Promise<void>
}

/**
 * Starts the bell backend (publishing through `publisher`, a client for the broker) and a page server
 * that serves the built page in `pageDir` with a config pointing at `brokerUrl`.
 */
export async function startBellStack(options: {
  pageDir: string
  publisher: ClientOptions
  brokerUrl: string
  mqtt5: boolean
  userId?: string
}): Promise<BellStack> {
  const userId = options.userId ?? 'maya'
  const publisher = createClient({ reconnect: { baseMs: 100, capMs: 1000 }, ...options.publisher })
  await publisher.connect()
  const backend = await startBellBackend({ client: publisher })
  const config: PageConfig = { brokerUrl: options.brokerUrl, mqtt5: options.mqtt5, apiUrl: backend.url, userId }
  const pageServer = await startPageServer({ dir: options.pageDir, config })
  return {
    backend,
    pageServer,
    publisher,
    config,
    async post(action, body = { from: 'Ann Lee', article: 'Designing for calm software', text: 'Lovely.' }) {
      const response = await fetch(`${backend.url}/api/users/${userId}/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      if (!response.ok) throw new Error(`bell backend answered ${response.status}: ${await response.text()}`)
      return ((await response.json()) as { unread: number }).unread
    },
    async unread() {
      const response = await fetch(`${backend.url}/api/users/${userId}/notifications`)
      return ((await response.json()) as { unread: number }).unread
    },
    async close() {
      await pageServer.close()
      await backend.close()
      await publisher.close({ force: true })
    },
  }
}
