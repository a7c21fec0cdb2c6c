import { TidingsError, type ServerPublisher, type TidingsClient, type Topic, type TopicParams } from '@tidings/core'
import { createServer } from 'node:http'
import { HttpError, closeServer, listen, readJson, sendJson } from './http.js'
import { createNotificationStore, type NotificationStore } from './store.js'
import { notifications, unread, type NotificationKind } from './topics.js'

/** Options of {@link startBellBackend}: give it a connected client or a server-side publisher. */
export type BellBackendOptions = (
  | {
      /** A connected tidings client (e.g. `tcp()` to your broker). The backend publishes with it and never closes it. */
      client: TidingsClient
      publisher?: undefined
    }
  | {
      /** A broker adapter's server publisher (EMQX REST, Mosquitto's `mosquittoServerPublisher`, Aliyun OpenAPI). */
      publisher: ServerPublisher
      client?: undefined
    }
) & {
  /** @default 0 (a free port) */
  port?: number
  /** @default '127.0.0.1' */
  host?: string
  /** Origin allowed to call the API from a browser (CORS). @default '*' */
  allowOrigin?: string
}

/** A running bell backend. */
export interface BellBackend {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** The notifications kept so far. */
  readonly store: NotificationStore
  close(): Promise<void>
}

type Push = <T extends string, V>(topic: Topic<T, V>, params: TopicParams<T>, value: V) => Promise<void>

const KINDS: readonly NotificationKind[] = ['like', 'follow', 'comment']
const ROUTE = /^\/api\/users\/([\w.-]{1,64})\/(notifications|like|follow|comment|read-all)$/

/**
 * The notification-bell backend: a small HTTP API that records likes, follows and comments, publishes
 * each one to `user/{userId}/notifications`, and publishes the unread count retained on `user/{userId}/unread`.
 *
 * | method | path | body | answer |
 * |---|---|---|---|
 * | GET  | `/api/users/{userId}/notifications` | | `{ notifications, unread }` |
 * | POST | `/api/users/{userId}/like`    | `{ from, article }` | `201 { notification, unread }` |
 * | POST | `/api/users/{userId}/follow`  | `{ from }` | `201 { notification, unread }` |
 * | POST | `/api/users/{userId}/comment` | `{ from, article, text }` | `201 { notification, unread }` |
 * | POST | `/api/users/{userId}/read-all` | | `{ unread: 0 }` |
 */
export async function startBellBackend(options: BellBackendOptions): Promise<BellBackend> {
  const push = pushVia(options)
  const store = createNotificationStore()
  const host = options.host ?? '127.0.0.1'
  const cors = {
    'access-control-allow-origin': options.allowOrigin ?? '*',
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'content-type',
  }

  const publishUnread = (userId: string): Promise<void> =>
    push(unread, { userId }, { count: store.unreadCount(userId) })

  const server = createServer((request, response) => {
    const route = ROUTE.exec((request.url ?? '/').split('?')[0]!)
    const reply = (status: number, body: unknown): void => sendJson(response, status, body, cors)
    if (request.method === 'OPTIONS') return void response.writeHead(204, cors).end()
    if (!route) return reply(404, { error: 'no such endpoint; see the README for the API' })
    const [, userId, action] = route as unknown as [string, string, string]
    const handle = async (): Promise<void> => {
      if (action === 'notifications') {
        if (request.method !== 'GET') throw new HttpError(405, 'use GET')
        return reply(200, { notifications: store.list(userId), unread: store.unreadCount(userId) })
      }
      if (request.method !== 'POST') throw new HttpError(405, 'use POST')
      const body = await readJson(request)
      if (action === 'read-all') {
        store.markAllRead(userId)
        await publishUnread(userId)
        return reply(200, { unread: 0 })
      }
      const kind = action as NotificationKind
      if (!KINDS.includes(kind)) throw new HttpError(404, 'unknown action')
      const from = stringField(body, 'from', true)
      const article = stringField(body, 'article', kind !== 'follow')
      const text = stringField(body, 'text', kind === 'comment')
      const notification = store.add(userId, {
        kind,
        actor: from!,
        ...(article ? { article } : {}),
        ...(text ? { text } : {}),
      })
      // The list entry first, then the count: both QoS 1 on one connection, so they arrive in this order.
      await push(notifications, { userId }, notification)
      await publishUnread(userId)
      return reply(201, { notification, unread: store.unreadCount(userId) })
    }
    handle().catch((error: unknown) => {
      if (error instanceof HttpError) return reply(error.status, { error: error.message })
      const code = error instanceof TidingsError ? error.code : 'INTERNAL'
      reply(503, { error: error instanceof Error ? error.message : String(error), code })
    })
  })
  const port = await listen(server, options.port ?? 0, host)
  return {
    url: `http://${host}:${port}`,
    port,
    store,
    close: () => closeServer(server),
  }
}

function pushVia(options: BellBackendOptions): Push {
  if (options.client) {
    const client = options.client
    return (topic, params, value) => client.publish(topic, params, value)
  }
  if (options.publisher) {
    const publisher = options.publisher
    return async (topic, params, value) => {
      await publisher.publish(topic.name(params), await topic.codec.encode(value), {
        qos: topic.qos,
        retain: topic.retain,
      })
    }
  }
  throw new TidingsError('INVALID_OPTIONS', 'startBellBackend needs a connected `client` or a server `publisher`')
}

function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = body[name]
  if (value === undefined || value === '') {
    if (required) throw new HttpError(400, `"${name}" is required`)
    return undefined
  }
  if (typeof value !== 'string' || value.length > 500)
    throw new HttpError(400, `"${name}" must be a string of at most 500 characters`)
  return value
}
