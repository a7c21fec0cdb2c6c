import {
  TidingsError,
  identifierProblem,
  type CredentialIssuer,
  type ServerPublisher,
  type TidingsClient,
  type Topic,
  type TopicParams,
} from '@tidings/core'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { issuePageCredentials } from './grants.js'
import { HttpError, closeServer, listen, readJson, sendJson } from './http.js'
import { isPageFile, sendPageFile, type PageConfig } from './page-files.js'
import { crossSiteProblem } from './same-origin.js'
import { createSessions } from './session.js'
import { createNotificationStore, type NotificationStore } from './store.js'
import { notifications, unread, type NotificationKind } from './topics.js'

/** Options of {@link startBellBackend}: give it a connected client or a server-side publisher, and an issuer. */
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
  /**
   * Issues each page's broker credentials: `emqxCredentialIssuer`, `mosquittoCredentialIssuer`, … Pages get
   * read access to their own user's bell topics and nothing else.
   */
  issuer: CredentialIssuer
  /** Lifetime of a page's credentials; the page fetches new ones on every (re)connect. @default 600 */
  credentialTtlSeconds?: number
  /** Serve the built page (`dir`, see `buildPage`) at `/`, and `config` at `/config.json`. */
  page?: { dir: string; config: PageConfig }
  /**
   * Demo only: the user a visitor of `/` without a session is logged in as. Without it, sessions come only
   * from {@link BellBackend.login}, i.e. from your app's real login.
   */
  demoUser?: string
  /** Mark the session cookie `Secure`: set it when users reach the backend over https. @default false */
  secureCookie?: boolean
  /** The origin users see, when a proxy in front rewrites `Host` (`https://app.example.com`). @default the request's Host */
  publicOrigin?: string
  /** @default 0 (a free port) */
  port?: number
  /** @default '127.0.0.1' */
  host?: string
}

/** A running bell backend. */
export interface BellBackend {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** The notifications kept so far. */
  readonly store: NotificationStore
  /**
   * Starts a session for `userId`, as your login handler would, and returns the cookie (`bell_session=…`)
   * to send with requests.
   */
  login(userId: string): string
  close(): Promise<void>
}

type Push = <T extends string, V>(topic: Topic<T, V>, params: TopicParams<T>, value: V) => Promise<void>

const KINDS: readonly string[] = ['like', 'follow', 'comment']
const EVENT_ROUTE = /^\/api\/users\/([^/]+)\/([a-z-]+)$/

/**
 * The notification-bell backend: it serves the page, logs the user in with a session cookie, issues the
 * page's broker credentials for that user only, records likes, follows and comments, publishes each one
 * to `user/{userId}/notifications`, and publishes the unread count retained on `user/{userId}/unread`.
 *
 * Every `/api/` route needs the session cookie and refuses cross-site requests (see the README).
 *
 * | method | path | body | answer |
 * |---|---|---|---|
 * | GET  | `/api/me` | | `{ userId }` |
 * | GET  | `/api/mqtt-credentials` | | `{ clientId, username, password, expiresAt }` |
 * | GET  | `/api/notifications` | | `{ notifications, unread }` |
 * | POST | `/api/read-all` | | `{ unread: 0 }` |
 * | POST | `/api/users/{userId}/like`    | `{ from, article }` | `201 { notification, unread }` |
 * | POST | `/api/users/{userId}/follow`  | `{ from }` | `201 { notification, unread }` |
 * | POST | `/api/users/{userId}/comment` | `{ from, article, text }` | `201 { notification, unread }` |
 */
export async function startBellBackend(options: BellBackendOptions): Promise<BellBackend> {
  const push = pushVia(options)
  if (typeof options.issuer?.issue !== 'function')
    throw new TidingsError('INVALID_OPTIONS', 'startBellBackend needs an `issuer` for the pages’ broker credentials')
  const sessions = createSessions({ secure: options.secureCookie ?? false })
  const store = createNotificationStore()
  const host = options.host ?? '127.0.0.1'
  const ttlSeconds = options.credentialTtlSeconds ?? 600

  const publishUnread = (userId: string): Promise<void> =>
    push(unread, { userId }, { count: store.unreadCount(userId) })

  const api = async (request: IncomingMessage, path: string, reply: Reply): Promise<void> => {
    const crossSite = crossSiteProblem(request, options.publicOrigin)
    if (crossSite) throw new HttpError(403, `refused ${crossSite}: the API answers its own pages only`)
    const userId = sessions.userOf(request)
    if (userId === undefined) throw new HttpError(401, 'log in first')
    const method = request.method ?? 'GET'
    if (path === '/api/me') return requireMethod(method, 'GET', () => reply(200, { userId }))
    if (path === '/api/mqtt-credentials') {
      requireMethod(method, 'GET')
      const creds = await issuePageCredentials(options.issuer, userId, ttlSeconds)
      return reply(200, {
        clientId: creds.clientId,
        username: creds.username,
        password: creds.password,
        expiresAt: creds.expiresAt.toISOString(),
      })
    }
    if (path === '/api/notifications')
      return requireMethod(method, 'GET', () =>
        reply(200, { notifications: store.list(userId), unread: store.unreadCount(userId) }),
      )
    if (path === '/api/read-all') {
      requireMethod(method, 'POST')
      store.markAllRead(userId)
      await publishUnread(userId)
      return reply(200, { unread: 0 })
    }
    const route = EVENT_ROUTE.exec(path)
    if (!route || !KINDS.includes(route[2]!)) throw new HttpError(404, 'no such endpoint; see the README for the API')
    requireMethod(method, 'POST')
    const target = decodeSegment(route[1]!)
    const body = await readJson(request)
    const kind = route[2] as NotificationKind
    // The demo lets the page play any reader; a real app takes the actor from the session (`userId`).
    const from = stringField(body, 'from', true)
    const article = stringField(body, 'article', kind !== 'follow')
    const text = stringField(body, 'text', kind === 'comment')
    const notification = store.add(target, {
      kind,
      actor: from!,
      ...(article ? { article } : {}),
      ...(text ? { text } : {}),
    })
    // The list entry first, then the count: both QoS 1 on one connection, so they arrive in this order.
    await push(notifications, { userId: target }, notification)
    await publishUnread(target)
    return reply(201, { notification, unread: store.unreadCount(target) })
  }

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!
    const reply: Reply = (status, body, headers) => sendJson(response, status, body, headers)
    const handle = async (): Promise<void> => {
      if (path.startsWith('/api/')) return api(request, path, reply)
      if (!options.page || request.method !== 'GET') throw new HttpError(404, 'not found')
      if (path === '/config.json') return reply(200, options.page.config)
      if (!isPageFile(path)) throw new HttpError(404, 'not found')
      // Opening the page is the demo's login: a first visit becomes `demoUser`.
      const login =
        (path === '/' || path === '/index.html') && options.demoUser !== undefined && !sessions.userOf(request)
          ? { 'set-cookie': sessions.setCookie(sessions.login(options.demoUser)) }
          : undefined
      return sendPageFile(response, options.page.dir, path, login)
    }
    handle().catch((error: unknown) => replyError(response, error))
  })
  const port = await listen(server, options.port ?? 0, host)
  return {
    url: `http://${host}:${port}`,
    port,
    store,
    login: (userId) => sessions.login(userId),
    close: () => closeServer(server),
  }
}

type Reply = (status: number, body: unknown, headers?: Record<string, string>) => void

function replyError(response: ServerResponse, error: unknown): void {
  if (error instanceof HttpError) return sendJson(response, error.status, { error: error.message })
  // A refused publish or issue: say which code, not the details (they may name the broker's internals).
  const code = error instanceof TidingsError ? error.code : 'INTERNAL'
  sendJson(response, 503, { error: 'the broker did not accept the request', code })
}

/** Checks the method, then runs `then` (if any). */
function requireMethod(method: string, wanted: 'GET' | 'POST', then?: () => void): void {
  if (method !== wanted) throw new HttpError(405, `use ${wanted}`)
  then?.()
}

function decodeSegment(segment: string): string {
  let value: string
  try {
    value = decodeURIComponent(segment)
  } catch {
    throw new HttpError(400, 'the user id is not valid URL encoding')
  }
  const problem = identifierProblem(value, 64)
  if (problem) throw new HttpError(400, `user id ${problem}`)
  return value
}

function pushVia(options: BellBackendOptions): Push {
  if (options.client) {
    const client = options.client
    return (topic, params, value) => client.publish(topic, params, value)
  }
  if (options.publisher) {
    const publisher = options.publisher
    return async (topic, params, value) => {
      await publisher.publish(topic, params, value)
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
