import { Aedes, type Client } from 'aedes'
import type { BrokerProfile, ConnectContext, MaybePromise } from '@tidings/core'
import { genericBroker, randomClientId } from '@tidings/core'
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net'
import { WebSocketServer, createWebSocketStream } from 'ws'
import { aedesOptions } from './aedes-options.js'
import type { BrokerEmulation } from './emulation.js'
import { emulationHost } from './emulation-host.js'
import { closeServer, listen, parseProtocols, refuseUpgrade } from './listeners.js'

/** Options of {@link startDevBroker}. */
export interface DevBrokerOptions {
  /** Interface to listen on. Keep it on loopback: the devbroker has no TLS. @default '127.0.0.1' */
  host?: string
  /** TCP port; 0 picks a free one. @default 0 */
  tcpPort?: number
  /** WebSocket port, 0 for a free one, or `false` for no WebSocket listener. @default 0 */
  wsPort?: number | false
  /** WebSocket path; other paths are refused with HTTP 400, like a real broker behind its path. @default '/mqtt' */
  wsPath?: string
  /** Plain user name → password table. Without it (and without `emulate`) anyone may connect. */
  users?: Record<string, string>
  /** Pretend to be EMQX, Aliyun… (auth, ACL, WebSocket handshake rules). */
  emulate?: BrokerEmulation
}

/** A running devbroker. */
export interface DevBroker {
  readonly host: string
  readonly tcpPort: number
  /** 0 when there is no WebSocket listener. */
  readonly wsPort: number
  /** `mqtt://127.0.0.1:<port>` */
  readonly mqttUrl: string
  /** `ws://127.0.0.1:<port>/mqtt`, or '' without a WebSocket listener. */
  readonly wsUrl: string
  /** The aedes instance, for tests that need to look inside. */
  readonly aedes: Aedes
  /**
   * A profile for this broker. aedes speaks MQTT 3.1.1 only, so the profile says `mqtt5: false`.
   * Pass `credentials` to be asked before every (re)connect.
   */
  profile(options?: {
    clientId?: string
    username?: string
    password?: string
    credentials?: (ctx: ConnectContext) => MaybePromise<{ username?: string; password?: string }>
  }): BrokerProfile
  /** Drops every client connection (the broker keeps running): clients see a connection loss. */
  dropClients(): void
  /** Drops the connection of one client by client id; false when no such client is connected. */
  kick(clientId: string): boolean
  /** Number of connected clients. */
  readonly connectedClients: number
  close(): Promise<void>
}

/**
 * Starts an in-process MQTT broker (aedes) with a TCP listener and a WebSocket listener at `/mqtt`, on
 * loopback. For demos, local development and tests: no setup, no persistence beyond the process.
 *
 * @example
 * ```ts
 * const broker = await startDevBroker()
 * const client = createClient({ broker: broker.profile(), transport: tcp() })
 * ```
 */
export async function startDevBroker(options: DevBrokerOptions = {}): Promise<DevBroker> {
  const host = options.host ?? '127.0.0.1'
  const wsPath = options.wsPath ?? '/mqtt'
  const emulation = options.emulate
  const aedes = await Aedes.createBroker(aedesOptions(options))

  // Nagle off: with it on, a QoS 1 round trip through aedes waits ~40 ms for delayed ACKs.
  // Every open socket, so dropClients() also reaches clients whose CONNECT is still being processed.
  const sockets = new Set<{ destroy(): void }>()
  const track = (socket: { destroy(): void; once(event: 'close', f: () => void): unknown }): void => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }
  const tcpServer: NetServer = createNetServer({ noDelay: true }, (socket) => {
    track(socket)
    aedes.handle(socket)
  })
  await listen(tcpServer, options.tcpPort ?? 0, host)
  const tcpPort = (tcpServer.address() as AddressInfo).port

  let httpServer: HttpServer | undefined
  let wss: WebSocketServer | undefined
  let wsPort = 0
  if (options.wsPort !== false) {
    httpServer = createHttpServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end(`MQTT over WebSocket at ${wsPath}\n`)
    })
    const chosen = new WeakMap<IncomingMessage, string | false>()
    wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (offered, request) => {
        const decided = chosen.get(request)
        if (decided !== undefined) return decided
        // Mosquitto-like default: pick 'mqtt' when offered, accept a client that offers nothing.
        if (offered.has('mqtt')) return 'mqtt'
        if (offered.has('mqttv3.1')) return 'mqttv3.1'
        return false
      },
    })
    httpServer.on('upgrade', (request, socket, head) => {
      const path = (request.url ?? '/').split('?')[0]
      if (path !== wsPath) return refuseUpgrade(socket, 400, `no MQTT endpoint at ${path}; use ${wsPath}`)
      const offered = parseProtocols(request.headers['sec-websocket-protocol'])
      const decision = emulation?.negotiateWebSocket?.(offered, request)
      if (decision && typeof decision === 'object')
        return refuseUpgrade(socket, decision.status, 'subprotocol not accepted')
      if (decision !== undefined) chosen.set(request, decision)
      wss!.handleUpgrade(request, socket, head, (ws) => {
        ;(ws as unknown as { _socket?: { setNoDelay?: (v: boolean) => void } })._socket?.setNoDelay?.(true)
        const stream = createWebSocketStream(ws)
        track(stream)
        // aedes reads stream errors; a socket reset must not crash the broker process.
        stream.on('error', () => {})
        aedes.handle(stream, request)
      })
    })
    await listen(httpServer, options.wsPort ?? 0, host)
    wsPort = (httpServer.address() as AddressInfo).port
  }

  const hostForUrl = host.includes(':') ? `[${host}]` : host
  const mqttUrl = `mqtt://${hostForUrl}:${tcpPort}`
  const wsUrl = wsPort ? `ws://${hostForUrl}:${wsPort}${wsPath}` : ''
  const clients = new Map<string, Client>()
  aedes.on('clientReady', (client) => clients.set(client.id, client))
  aedes.on('clientDisconnect', (client) => {
    if (clients.get(client.id) === client) clients.delete(client.id)
  })
  // Client socket errors are routine (tests kill clients); keep them from becoming unhandled.
  aedes.on('clientError', () => {})
  aedes.on('connectionError', () => {})

  const emulationApi = emulationHost(aedes, clients)
  const cleanup = emulation?.setup?.(emulationApi)

  const broker: DevBroker = {
    host,
    tcpPort,
    wsPort,
    mqttUrl,
    wsUrl,
    aedes,
    get connectedClients() {
      return aedes.connectedClients
    },
    profile(profileOptions = {}) {
      const clientId = profileOptions.clientId ?? randomClientId()
      const base = {
        clientId,
        capabilities: { mqtt5: false },
        ...(profileOptions.credentials ? { credentials: profileOptions.credentials } : {}),
      }
      const auth = {
        ...(profileOptions.username !== undefined ? { username: profileOptions.username } : {}),
        ...(profileOptions.password !== undefined ? { password: profileOptions.password } : {}),
      }
      const tcp = genericBroker({ url: mqttUrl, ...base, ...auth })
      const ws = wsUrl ? genericBroker({ url: wsUrl, ...base, ...auth }) : undefined
      return {
        ...tcp,
        name: 'devbroker',
        endpoint: (scheme) => (scheme === 'ws' && ws ? ws.endpoint('ws') : tcp.endpoint(scheme)),
      }
    },
    dropClients() {
      for (const socket of [...sockets]) socket.destroy()
    },
    kick: (clientId) => emulationApi.kick(clientId),
    async close() {
      if (typeof cleanup === 'function') cleanup()
      for (const socket of [...sockets]) socket.destroy()
      wss?.clients.forEach((ws) => ws.terminate())
      await Promise.all([
        closeServer(tcpServer),
        httpServer ? closeServer(httpServer) : Promise.resolve(),
        new Promise<void>((resolve) => aedes.close(() => resolve())),
      ])
    },
  }
  return broker
}
