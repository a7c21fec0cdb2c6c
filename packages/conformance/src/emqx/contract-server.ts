import type { DevBroker } from '@tidings/devbroker'
import { emqxTopicMatch, stripShare, type EmqxEmulation } from '@tidings/devbroker/emqx'
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A stand-in for EMQX's REST API (v5 at `/api/v5`, or v4 at `/api/v4`) acting on a devbroker: a publish
 * reaches real MQTT subscribers, a kick drops a real connection, `/clients` lists real clients. Status
 * codes and bodies follow EMQX's handlers (emqx_mgmt_api_publish.erl, emqx_mgmt_api_clients.erl,
 * emqx_mgmt_api_subscriptions.erl) and the v4 HTTP API docs.
 */
export interface EmqxContractServerOptions {
  broker: DevBroker
  /** The EMQX emulation the broker runs, to report user names. */
  emulation?: EmqxEmulation
  apiKey: string
  apiSecret: string
  /** @default 5 */
  version?: 5 | 4
  /** `mqtt.max_packet_size`. @default 1048576 */
  maxPacketBytes?: number
  /** Topics whose dispatch fails (EMQX's 503 `failed_to_dispatch`), to test that path. */
  failDispatch?: (topic: string) => boolean
}

/** A running contract server. */
export interface EmqxContractServer {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string
  /** Every request seen, in order: `POST /api/v5/publish/bulk` … */
  readonly requests: string[]
  close(): Promise<void>
}

// aedes's client type, reached through the emulation (aedes itself is the devbroker's dependency).
type Client = Parameters<EmqxEmulation['session']>[0]
type Reply = { status: number; body?: unknown }
type Json = Record<string, unknown>

/** Starts the contract server on a free loopback port. */
export async function startEmqxContractServer(options: EmqxContractServerOptions): Promise<EmqxContractServer> {
  const version = options.version ?? 5
  const prefix = `/api/v${version}`
  const expected = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`
  const requests: string[] = []
  const connectedAt = new WeakMap<Client, string>()
  const onReady = (client: Client): void => {
    connectedAt.set(client, new Date().toISOString())
  }
  options.broker.aedes.on('clientReady', onReady)
  const api = version === 5 ? v5(options, connectedAt) : v4(options, connectedAt)

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) =>
      send(res, { status: 500, body: { code: 'INTERNAL_ERROR', message: String(error) } }),
    )
  })
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    requests.push(`${req.method} ${url.pathname}`)
    const raw = await readBody(req)
    if (req.headers.authorization !== expected) {
      return send(
        res,
        version === 5
          ? { status: 401, body: { code: 'BAD_API_KEY_OR_SECRET', message: 'Check api_key/api_secret' } }
          : { status: 401, body: { code: 103, message: 'Bad username or password' } },
      )
    }
    if (!url.pathname.startsWith(`${prefix}/`))
      return send(res, { status: 404, body: { code: 'NOT_FOUND', message: 'Request Path Not Found' } })
    let body: unknown
    try {
      body = raw.length > 0 ? JSON.parse(raw) : undefined
    } catch {
      return send(
        res,
        version === 5
          ? { status: 400, body: { code: 'BAD_REQUEST', message: 'invalid JSON' } }
          : { status: 400, body: { code: 109, message: 'invalid json' } },
      )
    }
    const segments = url.pathname
      .slice(prefix.length + 1)
      .split('/')
      .map(decodeURIComponent)
    send(res, await api(req.method ?? 'GET', segments, body, url.searchParams))
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      options.broker.aedes.off('clientReady', onReady)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

// --- EMQX 5 ---

function v5(options: EmqxContractServerOptions, connectedAt: WeakMap<Client, string>) {
  const { broker } = options
  const clientNotFound: Reply = { status: 404, body: { code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' } }
  const badRequest = (message: string): Reply => ({ status: 400, body: { code: 'BAD_REQUEST', message } })

  return async (method: string, path: string[], body: unknown, query: URLSearchParams): Promise<Reply> => {
    const route = `${method} ${path.map((p, i) => (path[0] === 'clients' && i === 1 && p !== 'kickout' ? ':id' : p)).join('/')}`
    const client = path[0] === 'clients' && path[1] !== undefined ? clientsOf(broker).get(path[1]) : undefined
    switch (route) {
      case 'POST publish': {
        const checked = checkPublish(body, options)
        if ('status' in checked) return checked
        return publish(broker, options, checked)
      }
      case 'POST publish/bulk': {
        if (!Array.isArray(body)) return badRequest('expected an array of messages')
        // EMQX's bulk handler fails on `[]` (a typo in its error clause): a server error.
        if (body.length === 0) return { status: 500, body: { code: 'INTERNAL_ERROR', message: 'function_clause' } }
        const checked = body.map((item) => checkPublish(item, options))
        const invalid = checked.find((c): c is Reply => 'status' in c)
        if (invalid) return invalid
        const results: Reply[] = []
        for (const message of checked as Message[]) results.push(await publish(broker, options, message))
        const status = results.some((r) => r.status === 503) ? 503 : results.some((r) => r.status === 202) ? 202 : 200
        return { status, body: results.map((r) => r.body) }
      }
      case 'GET clients': {
        let list = [...clientsOf(broker).values()].map((c) => describeClient(c, options, connectedAt))
        const filters: Array<[string, (c: Json) => boolean]> = [
          ['clientid', (c) => c.clientid === query.get('clientid')],
          ['username', (c) => c.username === query.get('username')],
          ['like_clientid', (c) => String(c.clientid).includes(query.get('like_clientid')!)],
          ['conn_state', (c) => (query.get('conn_state') === 'connected') === c.connected],
        ]
        for (const [name, keep] of filters) if (query.has(name)) list = list.filter(keep)
        return page(list, query)
      }
      case 'GET clients/:id':
        return client ? { status: 200, body: describeClient(client, options, connectedAt) } : clientNotFound
      case 'DELETE clients/:id':
        if (!client) return clientNotFound
        client.conn.destroy()
        return { status: 204 }
      case 'POST clients/kickout/bulk':
        if (!Array.isArray(body) || body.some((id) => typeof id !== 'string'))
          return badRequest('expected an array of client ids')
        for (const id of body as string[]) clientsOf(broker).get(id)?.conn.destroy()
        return { status: 204 }
      case 'GET clients/:id/subscriptions':
        return client ? { status: 200, body: subscriptionsOf(client) } : clientNotFound
      case 'POST clients/:id/subscribe': {
        const sub = body as { topic?: unknown; qos?: unknown } | undefined
        if (typeof sub?.topic !== 'string') return badRequest('topic is required')
        if (!client) return clientNotFound
        const qos = typeof sub.qos === 'number' ? sub.qos : 0
        await new Promise<void>((resolve) =>
          client.subscribe({ topic: sub.topic as string, qos: qos as 0 }, () => resolve()),
        )
        return { status: 200, body: { topic: sub.topic, qos, clientid: client.id, node: NODE, nl: 0, rap: 0, rh: 0 } }
      }
      case 'POST clients/:id/unsubscribe': {
        const sub = body as { topic?: unknown } | undefined
        if (typeof sub?.topic !== 'string') return badRequest('topic is required')
        if (!client) return clientNotFound
        await unsubscribe(client, sub.topic)
        return { status: 204 }
      }
      case 'DELETE clients/:id/authorization/cache':
        // The emulator caches nothing; the call only has to find the client.
        return client ? { status: 204 } : clientNotFound
      case 'GET subscriptions': {
        let list = [...clientsOf(broker).values()].flatMap(subscriptionsOf)
        const match = query.get('match_topic')
        if (query.has('clientid')) list = list.filter((s) => s.clientid === query.get('clientid'))
        if (query.has('topic')) list = list.filter((s) => s.topic === query.get('topic'))
        if (query.has('qos')) list = list.filter((s) => String(s.qos) === query.get('qos'))
        if (query.has('share_group'))
          list = list.filter((s) => s.topic.startsWith(`$share/${query.get('share_group')}/`))
        if (match !== null) list = list.filter((s) => emqxTopicMatch(match, stripShare(s.topic)))
        return page(list, query)
      }
      default:
        return { status: 404, body: { code: 'NOT_FOUND', message: 'Request Path Not Found' } }
    }
  }
}

// --- EMQX 4 ---

function v4(options: EmqxContractServerOptions, connectedAt: WeakMap<Client, string>) {
  const { broker } = options
  const ok = (extra: Json = {}): Reply => ({ status: 200, body: { code: 0, ...extra } })
  const fail = (code: number, message: string, status = 400): Reply => ({ status, body: { code, message } })

  const publish4 = async (item: unknown): Promise<Reply> => {
    const m = (item ?? {}) as {
      topic?: unknown
      payload?: unknown
      encoding?: unknown
      qos?: unknown
      retain?: unknown
      clientid?: unknown
    }
    if (typeof m.clientid !== 'string' || typeof m.topic !== 'string' || typeof m.payload !== 'string')
      return fail(107, 'missing parameter')
    if (!isTopicName(m.topic)) return fail(115, 'invalid topic')
    const encoding = m.encoding ?? 'plain'
    if (encoding !== 'plain' && encoding !== 'base64') return fail(108, 'bad parameter: encoding')
    await dispatch(broker, {
      topic: m.topic,
      payload: encoding === 'base64' ? Buffer.from(m.payload, 'base64') : Buffer.from(m.payload),
      qos: qosOf(m.qos),
      retain: m.retain === true,
    })
    return ok()
  }

  return async (method: string, path: string[], body: unknown, query: URLSearchParams): Promise<Reply> => {
    const route = `${method} ${path.map((p, i) => (path[0] === 'clients' && i === 1 ? ':id' : p)).join('/')}`
    const client = path[0] === 'clients' && path[1] !== undefined ? clientsOf(broker).get(path[1]) : undefined
    switch (route) {
      case 'POST mqtt/publish':
        return publish4(body)
      case 'POST mqtt/publish_batch': {
        if (!Array.isArray(body)) return fail(109, 'invalid json')
        const data: Json[] = []
        for (const item of body) {
          const reply = await publish4(item)
          data.push({ topic: (item as { topic?: unknown })?.topic, code: (reply.body as { code: number }).code })
        }
        return ok({ data })
      }
      case 'GET clients': {
        let list = [...clientsOf(broker).values()].map((c) => describeClient(c, options, connectedAt))
        if (query.has('clientid')) list = list.filter((c) => c.clientid === query.get('clientid'))
        if (query.has('_like_clientid'))
          list = list.filter((c) => String(c.clientid).includes(query.get('_like_clientid')!))
        const paged = page(
          list,
          new URLSearchParams({ page: query.get('_page') ?? '1', limit: query.get('_limit') ?? '10000' }),
        )
        return ok(paged.body as Json)
      }
      case 'GET clients/:id':
        return ok({ data: client ? [describeClient(client, options, connectedAt)] : [] })
      case 'DELETE clients/:id':
        if (!client) return fail(112, 'Client not found', 404)
        client.conn.destroy()
        return ok()
      case 'DELETE clients/:id/acl_cache':
        return client ? ok() : fail(112, 'Client not found', 404)
      case 'POST mqtt/subscribe':
      case 'POST mqtt/unsubscribe': {
        const m = (body ?? {}) as { topic?: unknown; clientid?: unknown; qos?: unknown }
        if (typeof m.topic !== 'string' || typeof m.clientid !== 'string') return fail(107, 'missing parameter')
        const target = clientsOf(broker).get(m.clientid)
        if (!target) return fail(112, 'Client not found', 404)
        const topic = m.topic
        await new Promise<void>((resolve) =>
          route.endsWith('/subscribe')
            ? target.subscribe({ topic, qos: qosOf(m.qos) }, () => resolve())
            : void unsubscribe(target, topic).then(resolve),
        )
        return ok()
      }
      case 'GET subscriptions': {
        let list = [...clientsOf(broker).values()].flatMap(subscriptionsOf)
        if (query.has('clientid')) list = list.filter((s) => s.clientid === query.get('clientid'))
        if (query.has('topic')) list = list.filter((s) => s.topic === query.get('topic'))
        const paged = page(
          list,
          new URLSearchParams({ page: query.get('_page') ?? '1', limit: query.get('_limit') ?? '10000' }),
        )
        return ok(paged.body as Json)
      }
      default:
        return { status: 404, body: { code: 102, message: 'not found' } }
    }
  }
}

// --- shared ---

const NODE = 'emqx@127.0.0.1'

interface Message {
  topic: string
  payload: Buffer
  qos: 0 | 1 | 2
  retain: boolean
}

/** EMQX 5's publish validation: schema errors, then topic (144), payload decoding (131) and size (151). */
function checkPublish(item: unknown, options: EmqxContractServerOptions): Message | Reply {
  const m = (item ?? {}) as {
    topic?: unknown
    payload?: unknown
    payload_encoding?: unknown
    qos?: unknown
    retain?: unknown
  }
  if (typeof item !== 'object' || item === null)
    return { status: 400, body: { code: 'BAD_REQUEST', message: 'expected an object' } }
  if (typeof m.topic !== 'string') return { status: 400, body: { code: 'BAD_REQUEST', message: 'topic is required' } }
  if (typeof m.payload !== 'string')
    return { status: 400, body: { code: 'BAD_REQUEST', message: 'payload is required' } }
  const encoding = m.payload_encoding ?? 'plain'
  if (encoding !== 'plain' && encoding !== 'base64')
    return { status: 400, body: { code: 'BAD_REQUEST', message: 'payload_encoding must be plain or base64' } }
  if (m.qos !== undefined && m.qos !== 0 && m.qos !== 1 && m.qos !== 2)
    return { status: 400, body: { code: 'BAD_REQUEST', message: 'qos must be 0, 1 or 2' } }
  if (!isTopicName(m.topic)) return { status: 400, body: { reason_code: 144, message: 'topic_name_invalid' } }
  if (encoding === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(m.payload))
    return { status: 400, body: { reason_code: 131, message: 'invalid_payload_format' } }
  const payload = encoding === 'base64' ? Buffer.from(m.payload, 'base64') : Buffer.from(m.payload, 'utf8')
  if (payload.length > (options.maxPacketBytes ?? 1_048_576))
    return { status: 400, body: { reason_code: 151, message: 'packet_too_large' } }
  return { topic: m.topic, payload, qos: qosOf(m.qos), retain: m.retain === true }
}

/** 200 `{id}` when someone was subscribed, 202 `no_matching_subscribers` when not (still published), 503 when dispatch failed. */
async function publish(broker: DevBroker, options: EmqxContractServerOptions, message: Message): Promise<Reply> {
  if (options.failDispatch?.(message.topic))
    return { status: 503, body: { reason_code: 131, message: 'failed_to_dispatch' } }
  const subscribed = [...clientsOf(broker).values()].some((c) =>
    Object.keys(subscriptionTable(c)).some((filter) => emqxTopicMatch(message.topic, stripShare(filter))),
  )
  await dispatch(broker, message)
  return subscribed
    ? { status: 200, body: { id: randomBytes(16).toString('hex').toUpperCase() } }
    : { status: 202, body: { reason_code: 16, message: 'no_matching_subscribers' } }
}

// aedes's UNSUBSCRIBE takes bare filters (its typings say subscription objects).
function unsubscribe(client: Client, topic: string): Promise<void> {
  return new Promise((resolve) => client.unsubscribe([topic] as never, () => resolve()))
}

function dispatch(broker: DevBroker, message: Message): Promise<void> {
  return new Promise((resolve, reject) => {
    broker.aedes.publish(
      {
        cmd: 'publish',
        topic: message.topic,
        payload: message.payload,
        qos: message.qos,
        retain: message.retain,
        dup: false,
      },
      (error?: Error | null) => (error ? reject(error) : resolve()),
    )
  })
}

function clientsOf(broker: DevBroker): Map<string, Client> {
  // aedes keeps connected clients by id; only those past CONNACK count.
  const all = (broker.aedes as unknown as { clients: Record<string, Client> }).clients
  const out = new Map<string, Client>()
  for (const id of Object.keys(all)) {
    const client = all[id]!
    if (client.connected) out.set(id, client)
  }
  return out
}

function describeClient(
  client: Client,
  options: EmqxContractServerOptions,
  connectedAt: WeakMap<Client, string>,
): Json {
  const conn = client.conn as { remoteAddress?: string; remotePort?: number }
  return {
    clientid: client.id,
    username: options.emulation?.session(client)?.username ?? null,
    connected: client.connected,
    connected_at: connectedAt.get(client),
    ip_address: conn.remoteAddress ?? '127.0.0.1',
    port: conn.remotePort,
    proto_name: 'MQTT',
    proto_ver: client.version,
    clean_start: client.clean,
    subscriptions_cnt: Object.keys(subscriptionTable(client)).length,
    node: NODE,
  }
}

function subscriptionsOf(
  client: Client,
): Array<{ clientid: string; topic: string; qos: number; node: string; nl: number; rap: number; rh: number }> {
  return Object.entries(subscriptionTable(client)).map(([topic, sub]) => ({
    clientid: client.id,
    topic,
    qos: sub.qos,
    node: NODE,
    nl: 0,
    rap: 0,
    rh: 0,
  }))
}

// aedes keeps a client's subscriptions by filter; its typings do not declare the field.
function subscriptionTable(client: Client): Record<string, { qos: number }> {
  return (client as unknown as { subscriptions: Record<string, { qos: number }> }).subscriptions
}

function page<T>(list: T[], query: URLSearchParams): Reply {
  const pageNo = Math.max(1, Number(query.get('page') ?? 1) || 1)
  const limit = Math.min(10_000, Math.max(1, Number(query.get('limit') ?? 100) || 100))
  const data = list.slice((pageNo - 1) * limit, pageNo * limit)
  return {
    status: 200,
    body: { data, meta: { count: list.length, limit, page: pageNo, hasnext: pageNo * limit < list.length } },
  }
}

function isTopicName(topic: string): boolean {
  return (
    topic.length > 0 &&
    !topic.includes('+') &&
    !topic.includes('#') &&
    !topic.includes('\u0000') &&
    Buffer.byteLength(topic) <= 65_535
  )
}

function qosOf(value: unknown): 0 | 1 | 2 {
  return value === 1 || value === 2 ? value : 0
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
