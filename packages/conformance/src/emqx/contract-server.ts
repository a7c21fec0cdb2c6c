import type { DevBroker } from '@tidings/devbroker'
import type { EmqxEmulation } from '@tidings/devbroker/emqx'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AuthzCacheClear, Client, ContractState, Reply } from './contract-broker.js'
import { v4Routes } from './contract-v4.js'
import { v5Routes } from './contract-v5.js'

export type { AuthzCacheClear } from './contract-broker.js'

/**
 * A stand-in for EMQX's REST API (v5 at `/api/v5`, or v4 at `/api/v4`) acting on a devbroker: a publish
 * reaches real MQTT subscribers, a kick drops a real connection, `/clients` lists real clients. Status
 * codes and bodies follow EMQX's handlers (emqx_mgmt_api_publish.erl, emqx_mgmt_api_clients.erl,
 * emqx_mgmt_api_subscriptions.erl) and the v4 HTTP API docs; paths are read as EMQX's router (cowboy) reads
 * them.
 */
export interface EmqxContractServerOptions {
  broker: DevBroker
  /** The EMQX emulation the broker runs, to report user names. */
  emulation?: EmqxEmulation
  apiKey: string
  apiSecret: string
  /** The REST API's version (EMQX major version). @default 5 */
  apiVersion?: 5 | 4
  /** `mqtt.max_packet_size`. @default 1048576 */
  maxPacketBytes?: number
  /** Topics whose dispatch fails (EMQX's 503 `failed_to_dispatch`), to test that path. */
  failDispatch?: (topic: string) => boolean
}

/** A running contract server. */
export interface EmqxContractServer {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string
  /** Every request seen, in order, with the path as routed: `POST /api/v5/publish/bulk` … */
  readonly requests: string[]
  /** Every authorization cache cleared: a client's, or `'cluster'` for `DELETE /api/v5/authorization/cache`. */
  readonly authzCacheClears: AuthzCacheClear[]
  close(): Promise<void>
}

/** Starts the contract server on a free loopback port. */
export async function startEmqxContractServer(options: EmqxContractServerOptions): Promise<EmqxContractServer> {
  const apiVersion = options.apiVersion ?? 5
  const expected = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`
  const requests: string[] = []
  const state: ContractState = { connectedAt: new WeakMap<Client, string>(), authzCacheClears: [] }
  const onReady = (client: Client): void => {
    state.connectedAt.set(client, new Date().toISOString())
  }
  options.broker.aedes.on('clientReady', onReady)
  const routes = apiVersion === 5 ? v5Routes(options, state) : v4Routes(options, state)
  const badRequest = (message: string): Reply =>
    apiVersion === 5
      ? { status: 400, body: { code: 'BAD_REQUEST', message } }
      : { status: 400, body: { code: 108, message } }

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) =>
      send(res, { status: 500, body: { code: 'INTERNAL_ERROR', message: String(error) } }),
    )
  })
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET'
    const raw = await readBody(req)
    const [rawPath = '', rawQuery = ''] = (req.url ?? '/').split('?', 2)
    const segments = routerSegments(rawPath)
    if (!segments) {
      requests.push(`${method} ${rawPath}`)
      return send(res, { status: 400 })
    }
    requests.push(`${method} /${segments.map(encodeURIComponent).join('/')}`)
    if (req.headers.authorization !== expected) {
      return send(
        res,
        apiVersion === 5
          ? { status: 401, body: { code: 'BAD_API_KEY_OR_SECRET', message: 'Check api_key/api_secret' } }
          : { status: 401, body: { code: 103, message: 'Bad username or password' } },
      )
    }
    if (segments[0] !== 'api' || segments[1] !== `v${apiVersion}`)
      return send(res, { status: 404, body: { code: 'NOT_FOUND', message: 'Request Path Not Found' } })
    let body: unknown
    try {
      body = raw.length > 0 ? JSON.parse(raw) : undefined
    } catch {
      return send(
        res,
        apiVersion === 5 ? badRequest('invalid JSON') : { status: 400, body: { code: 109, message: 'invalid json' } },
      )
    }
    send(res, await routes(method, segments.slice(2), body, new URLSearchParams(rawQuery)))
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    authzCacheClears: state.authzCacheClears,
    close: async () => {
      options.broker.aedes.off('clientReady', onReady)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * The path as cowboy_router splits it: segments percent-decoded one by one (a bad escape is HTTP 400, as
 * `badrequest`), a trailing empty segment dropped, then `.` and `..` removed, also when they were encoded as
 * `%2E`. So `/api/v5/clients/%2E%2E/authorization/cache` is routed as `/api/v5/authorization/cache`.
 */
export function routerSegments(path: string): string[] | undefined {
  if (!path.startsWith('/')) return undefined
  const parts = path.slice(1).split('/')
  if (parts.at(-1) === '') parts.pop()
  const decoded: string[] = []
  for (const part of parts) {
    try {
      decoded.push(decodeURIComponent(part))
    } catch {
      return undefined
    }
  }
  const out: string[] = []
  for (const segment of decoded) {
    if (segment === '.') continue
    if (segment === '..') out.pop()
    else out.push(segment)
  }
  return out
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status).end()
    return
  }
  const text = JSON.stringify(reply.body)
  res
    .writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    .end(text)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      text += chunk
    })
    req.on('end', () => resolve(text))
    req.on('error', reject)
  })
}
