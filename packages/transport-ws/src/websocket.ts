import {
  TidingsError,
  createSocketStream,
  type EndpointInfo,
  type PlatformLifecycle,
  type SocketControls,
  type SocketEvents,
  type Transport,
  type TransportScheme,
} from '@tidings/core'
import { browserLifecycle } from './browser-lifecycle.js'
import { TRANSPORT_NAME, closeRefusal, socketFailure, upgradeRefused } from './failures.js'
import {
  OPEN,
  type HttpResponseLike,
  type NodeWebSocketExtras,
  type WebSocketConstructor,
  type WebSocketFactory,
  type WebSocketLike,
} from './socket-types.js'

/** Options of {@link websocket}. */
export interface WebSocketTransportOptions {
  /**
   * The WebSocket class. In Node pass the `ws` package's: `websocket({ WebSocket })` after
   * `import { WebSocket } from 'ws'`.
   * @default globalThis.WebSocket, looked up each time a connection opens
   */
  WebSocket?: WebSocketConstructor
  /**
   * Options for the WebSocket constructor's third argument. Only the `ws` package reads them: `{ ca }` to
   * trust a self-signed CA, `headers`, `handshakeTimeout`, … Browsers take no options: leave it unset there
   * (their trust store decides about certificates).
   */
  socketOptions?: Readonly<Record<string, unknown>>
  /**
   * Page events that make a lost connection retry at once: `online` and the tab becoming visible.
   * Pass `browserLifecycle(window)`, your own, or `false` for none.
   * @default browserLifecycle(), which listens on globalThis when it is a window (and does nothing in Node)
   */
  lifecycle?: PlatformLifecycle | false
}

// The broker profile decides between them: `wss` when it was created with `tls: true` or a `wss://` URL.
const SCHEMES: readonly TransportScheme[] = ['ws', 'wss']
// Above this many unsent bytes the stream stops taking writes until the socket drains.
const HIGH_WATER_BYTES = 1024 * 1024
const DRAIN_POLL_MS = 10
// How long a refused upgrade's response body may take to arrive; it only improves the error message.
const REFUSAL_BODY_WAIT_MS = 250
const REFUSAL_BODY_MAX = 512

/**
 * MQTT over WebSocket: the browser's native `WebSocket`, or the `ws` package injected in Node.
 *
 * Connects to `ws://` or `wss://`, as the broker profile decides (`tls: true` or a `wss://` URL gives
 * `wss`), at `host:port/path` with the path the profile gives (`/mqtt` by default),
 * offers the `mqtt` subprotocol and sends binary frames, one frame per MQTT packet. All state lives in
 * each connection, so one transport can serve many clients.
 *
 * A refused upgrade fails with `WS_HANDSHAKE_FAILED` (with the HTTP `status` where the platform shows it),
 * an untrusted wss certificate in Node with `TLS_UNTRUSTED`.
 *
 * @example
 * ```ts
 * // browser
 * createClient({ broker: genericBroker({ url: 'wss://mq.example.com/mqtt' }), transport: websocket() })
 * // Node
 * import { WebSocket } from 'ws'
 * createClient({ broker: emqx({ host, tls: true }), transport: websocket({ WebSocket, socketOptions: { ca: readFileSync('ca.pem') } }) })
 * ```
 */
export function websocket(options: WebSocketTransportOptions = {}): Transport {
  if (options.WebSocket !== undefined && typeof options.WebSocket !== 'function') {
    throw new TidingsError('INVALID_OPTIONS', 'websocket: options.WebSocket must be a WebSocket class', {
      adapter: TRANSPORT_NAME,
    })
  }
  return {
    name: TRANSPORT_NAME,
    scheme: 'ws',
    schemes: SCHEMES,
    ...(options.lifecycle === false ? {} : { lifecycle: options.lifecycle ?? browserLifecycle() }),
    open(endpoint, { scheme, protocols }) {
      const Socket = (options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket) as
        | WebSocketFactory
        | undefined
      if (typeof Socket !== 'function') {
        throw new TidingsError(
          'INVALID_OPTIONS',
          "no WebSocket class on this platform: pass one, e.g. websocket({ WebSocket }) with `import { WebSocket } from 'ws'`",
          {
            adapter: TRANSPORT_NAME,
          },
        )
      }
      const url = endpointUrl(scheme, endpoint)
      const extra = { ...(endpoint.servername ? { servername: endpoint.servername } : {}), ...options.socketOptions }
      const offered = protocols.length > 0 ? protocols : ['mqtt']
      return createSocketStream((events) => {
        // The third argument only when there is one: browsers' constructor takes two.
        const socket = Object.keys(extra).length > 0 ? new Socket(url, offered, extra) : new Socket(url, offered)
        return wire(socket, url, events)
      })
    },
  }
}

/** Connects one socket's events to the stream. Everything here belongs to this one connection. */
function wire(socket: WebSocketLike, url: string, events: SocketEvents): SocketControls {
  let opened = false
  /** The server sent something: its first packet is the CONNACK, so a close after it is not a refusal. */
  let heard = false
  let failed = false
  const fail = (error: Error): void => {
    if (failed) return
    failed = true
    events.error(error)
  }

  socket.binaryType = 'arraybuffer'
  socket.onopen = () => {
    opened = true
    events.open()
  }
  socket.onmessage = (event) => {
    heard = true
    events.message(event.data as ArrayBuffer | string)
  }
  socket.onerror = (event) => fail(socketFailure(url, opened, event?.error))
  socket.onclose = (event) => {
    // A socket that closes before it opened never completed the upgrade, whatever the platform said.
    if (!opened) fail(socketFailure(url, false, undefined))
    else if (!heard) {
      // Turned away without a CONNACK (RabbitMQ closes with 1002 "unauthenticated"): retrying cannot help.
      const refusal = closeRefusal(url, event?.code, event?.reason)
      if (refusal) fail(refusal)
    }
    events.close({
      ...(event?.code !== undefined ? { code: event.code } : {}),
      ...(event?.reason ? { reason: event.reason } : {}),
    })
  }
  if (isNodeWebSocket(socket)) {
    // `ws` shows the refused upgrade's response; browsers only report a failed connection.
    socket.on('unexpected-response', (request, response) => {
      readBody(response, (body) => {
        fail(upgradeRefused(url, response.statusCode, response.statusMessage, body))
        request.destroy()
        socket.terminate()
      })
    })
  }

  return {
    send(data, done) {
      try {
        socket.send(data)
      } catch (error) {
        return done(error instanceof Error ? error : new Error(String(error)))
      }
      whenDrained(socket, done)
    },
    close(code, reason) {
      socket.close(code, reason)
    },
  }
}

/** Calls `done` once the socket has room for more, so a burst of publishes cannot grow memory unbounded. */
function whenDrained(socket: WebSocketLike, done: (error?: Error | null) => void): void {
  if (socket.bufferedAmount <= HIGH_WATER_BYTES) return done()
  const check = (): void => {
    if (socket.readyState !== OPEN) return done(new Error('socket closed while sending'))
    if (socket.bufferedAmount <= HIGH_WATER_BYTES) return done()
    setTimeout(check, DRAIN_POLL_MS)
  }
  setTimeout(check, DRAIN_POLL_MS)
}

function readBody(response: HttpResponseLike, then: (body: string) => void): void {
  let body = ''
  let finished = false
  const finish = (): void => {
    if (finished) return
    finished = true
    clearTimeout(timer)
    then(body)
  }
  const timer = setTimeout(finish, REFUSAL_BODY_WAIT_MS)
  response.on('data', (chunk) => {
    if (body.length < REFUSAL_BODY_MAX) body += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk)
  })
  response.on('end', finish)
  response.on('error', finish)
}

function isNodeWebSocket(socket: WebSocketLike): socket is WebSocketLike & NodeWebSocketExtras {
  const candidate = socket as Partial<NodeWebSocketExtras>
  return typeof candidate.on === 'function' && typeof candidate.terminate === 'function'
}

/** `ws://host:port/path`, leaving out the scheme's default port and bracketing IPv6 addresses. */
export function endpointUrl(scheme: TransportScheme, endpoint: EndpointInfo): string {
  const host = endpoint.host.includes(':') && !endpoint.host.startsWith('[') ? `[${endpoint.host}]` : endpoint.host
  const defaultPort = scheme === 'wss' ? 443 : 80
  const port = endpoint.port === defaultPort ? '' : `:${endpoint.port}`
  const path = !endpoint.path ? '/mqtt' : endpoint.path.startsWith('/') ? endpoint.path : `/${endpoint.path}`
  return `${scheme}://${host}${port}${path}`
}
