import type { DevBroker } from '@tidings/devbroker'
import { emqxTopicMatch, stripShare, type EmqxEmulation } from '@tidings/devbroker/emqx'
import { randomBytes } from 'node:crypto'
import type { EmqxContractServerOptions } from './contract-server.js'

/** What the contract server's EMQX 5 and EMQX 4 routes share: the broker side of each call. */

// aedes's client type, reached through the emulation (aedes itself is the devbroker's dependency).
export type Client = Parameters<EmqxEmulation['session']>[0]
/** One answer: status and JSON body (none for 204). */
export type Reply = { status: number; body?: unknown }
export type Json = Record<string, unknown>
/** Routes of one API version: method, decoded path segments after `/api/vN`, body, query. */
export type Routes = (method: string, path: string[], body: unknown, query: URLSearchParams) => Promise<Reply>
/** What a route handler may record for tests. */
export interface ContractState {
  connectedAt: WeakMap<Client, string>
  authzCacheClears: AuthzCacheClear[]
}
/** One cleared authorization cache: a client's, or the whole cluster's. */
export type AuthzCacheClear = { clientId: string } | 'cluster'

export const NODE = 'emqx@127.0.0.1'

export interface Message {
  topic: string
  payload: Buffer
  qos: 0 | 1 | 2
  retain: boolean
}

/** EMQX 5's publish validation: schema errors, then topic (144), payload decoding (131) and size (151). */
export function checkPublish(item: unknown, options: EmqxContractServerOptions): Message | Reply {
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
export async function publish(broker: DevBroker, options: EmqxContractServerOptions, message: Message): Promise<Reply> {
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
export function unsubscribe(client: Client, topic: string): Promise<void> {
  return new Promise((resolve) => client.unsubscribe([topic] as never, () => resolve()))
}

export function dispatch(broker: DevBroker, message: Message): Promise<void> {
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

export function clientsOf(broker: DevBroker): Map<string, Client> {
  // aedes keeps connected clients by id; only those past CONNACK count.
  const all = (broker.aedes as unknown as { clients: Record<string, Client> }).clients
  const out = new Map<string, Client>()
  for (const id of Object.keys(all)) {
    const client = all[id]!
    if (client.connected) out.set(id, client)
  }
  return out
}

export function describeClient(
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

export function subscriptionsOf(
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

export function page<T>(list: T[], query: URLSearchParams): Reply {
  const pageNo = Math.max(1, Number(query.get('page') ?? 1) || 1)
  const limit = Math.min(10_000, Math.max(1, Number(query.get('limit') ?? 100) || 100))
  const data = list.slice((pageNo - 1) * limit, pageNo * limit)
  return {
    status: 200,
    body: { data, meta: { count: list.length, limit, page: pageNo, hasnext: pageNo * limit < list.length } },
  }
}

export function isTopicName(topic: string): boolean {
  return (
    topic.length > 0 &&
    !topic.includes('+') &&
    !topic.includes('#') &&
    !topic.includes('\u0000') &&
    Buffer.byteLength(topic) <= 65_535
  )
}

export function qosOf(value: unknown): 0 | 1 | 2 {
  return value === 1 || value === 2 ? value : 0
}
