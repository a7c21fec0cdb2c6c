import type { TidingsError } from '@tidings/core'

/** Options of {@link createEmqxApi}. */
export interface EmqxApiOptions {
  /**
   * Where the REST API listens: `http://host:18083` on EMQX 5 (dashboard listener), `http://host:8081`
   * on EMQX 4. `/api/v5` or `/api/v4` is appended unless already there.
   */
  baseUrl: string
  /** API key (EMQX 5: Dashboard → System → API Key; EMQX 4: AppID). */
  apiKey: string
  /** Secret key (EMQX 4: AppSecret). */
  apiSecret: string
  /**
   * The REST API's version, i.e. the EMQX major version: selects `/api/v5` or `/api/v4` paths and response
   * shapes. (The MQTT version is the client's `protocolVersion`.) Formerly `version`, which is now refused.
   * @default 5
   */
  apiVersion?: 5 | 4
  /** Most messages per `/publish/bulk` request; longer lists are split. @default 100 */
  bulkSize?: number
  /** Per-request timeout. @default 10000 */
  timeoutMs?: number
  /** EMQX 4 requires a publisher client id on `/mqtt/publish`. @default 'tidings-server' */
  v4PublisherId?: string
  /** A `fetch` implementation. @default globalThis.fetch */
  fetch?: typeof fetch
}

/** MQTT 5 properties of a REST publish (EMQX 5). */
export interface EmqxPublishProperties {
  payloadFormatIndicator?: 0 | 1
  messageExpiryInterval?: number
  responseTopic?: string
  correlationData?: string
  userProperties?: Record<string, string>
  contentType?: string
}

/** One message for {@link EmqxApi.publish}. A Uint8Array payload travels base64-encoded. */
export interface EmqxPublishMessage {
  /** A topic name (no wildcards). */
  topic: string
  payload: string | Uint8Array
  /** @default 0 */
  qos?: 0 | 1 | 2
  /** @default false */
  retain?: boolean
  /** EMQX 5 only; ignored on 4. */
  properties?: EmqxPublishProperties
}

/**
 * The outcome of one REST publish. `delivered` is false when EMQX answered 202 "no matching
 * subscribers" (the message was still published, and retained if asked); EMQX 4 does not say, so it
 * is absent there.
 */
export interface EmqxPublishResult {
  id?: string
  delivered?: boolean
}

/**
 * The outcome of one message of {@link EmqxApi.publishBulk}. Without `error` the message was published
 * (`id`/`delivered` as for a single publish) and must not be sent again. With `error` it was not published:
 * EMQX answered `failed_to_dispatch` for it (503), or its request failed as a whole after earlier requests had
 * succeeded, or it was never sent because of that. Retry only these. After a `TIMEOUT` or an unreachable API
 * (`API_UNAVAILABLE` without a `status`) the outcome of that request is unknown.
 */
export interface EmqxBulkPublishResult extends EmqxPublishResult {
  error?: TidingsError
}

/** A client as EMQX reports it (its own field names; more fields than listed may be present). */
export interface EmqxClientInfo {
  clientid: string
  username?: string | null
  connected: boolean
  connected_at?: string
  created_at?: string
  disconnected_at?: string
  ip_address?: string
  port?: number
  proto_name?: string
  proto_ver?: number
  keepalive?: number
  clean_start?: boolean
  expiry_interval?: number
  subscriptions_cnt?: number
  node?: string
  [field: string]: unknown
}

/** A subscription as EMQX reports it. Shared subscriptions show as `$share/<group>/<filter>`. */
export interface EmqxSubscriptionInfo {
  clientid: string
  topic: string
  qos: 0 | 1 | 2
  node?: string
  nl?: 0 | 1
  rap?: 0 | 1
  rh?: 0 | 1 | 2
  [field: string]: unknown
}

/** Pagination of list endpoints (`?page=&limit=`; limit ≤ 10000). */
export interface EmqxPage {
  page?: number
  limit?: number
}

/** Filters of {@link EmqxApi.listClients}. */
export interface EmqxClientFilter extends EmqxPage {
  clientid?: string
  username?: string
  connState?: 'connected' | 'idle' | 'disconnected'
  likeClientid?: string
}

/** Filters of {@link EmqxApi.listSubscriptions}. */
export interface EmqxSubscriptionFilter extends EmqxPage {
  clientid?: string
  topic?: string
  qos?: 0 | 1 | 2
  shareGroup?: string
  /** Subscriptions whose filter matches this topic name. */
  matchTopic?: string
}

/** One page of a list endpoint. */
export interface EmqxList<T> {
  data: T[]
  meta: { page: number; limit: number; count?: number; hasnext: boolean }
}

/** A subscription made on a client's behalf. */
export interface EmqxSubscribeRequest {
  topic: string
  /** @default 0 */
  qos?: 0 | 1 | 2
  /** No local (MQTT 5). */
  nl?: 0 | 1
  /** Retain as published (MQTT 5). */
  rap?: 0 | 1
  /** Retain handling (MQTT 5). */
  rh?: 0 | 1 | 2
}

/** The EMQX REST API. Every failure is a TidingsError (`NOT_FOUND`, `INVALID_TOPIC`, `API_UNAVAILABLE`, …). */
export interface EmqxApi {
  /** The REST API's version (EMQX major version) this client speaks. */
  readonly apiVersion: 5 | 4
  /** Publishes one message. Resolves on 200 and 202 (`delivered: false`). */
  publish(message: EmqxPublishMessage): Promise<EmqxPublishResult>
  /**
   * Publishes many, in requests of at most `bulkSize`; one result per message, in input order. Every message is
   * checked before the first request, and `[]` is refused. It rejects only when nothing was published (the
   * first request failed as a whole); once anything was published it resolves, and the messages that were not
   * carry an `error` (see {@link EmqxBulkPublishResult}): publish only those again, or the others are duplicated.
   */
  publishBulk(messages: readonly EmqxPublishMessage[]): Promise<EmqxBulkPublishResult[]>
  /**
   * The client, or `null` when EMQX does not know it. Every method that takes a client id checks it with
   * core's `assertIdentifier` (at most 1024 characters, not `.`/`..`, no `/ + # , %`, `${`, control
   * characters) and rejects with `INVALID_OPTIONS` before any request is sent.
   */
  getClient(clientId: string): Promise<EmqxClientInfo | null>
  /** Disconnects a client and ends its session. False when it was not connected. */
  kick(clientId: string): Promise<boolean>
  kickBulk(clientIds: readonly string[]): Promise<void>
  listClients(filter?: EmqxClientFilter): Promise<EmqxList<EmqxClientInfo>>
  listSubscriptions(filter?: EmqxSubscriptionFilter): Promise<EmqxList<EmqxSubscriptionInfo>>
  /** Subscribes a connected client to a filter (throws NOT_FOUND when it is not connected). */
  subscribeClient(clientId: string, subscription: EmqxSubscribeRequest): Promise<void>
  unsubscribeClient(clientId: string, topic: string): Promise<void>
  /** Drops a client's cached authorization results, e.g. after its ACL changed. False when unknown. */
  clearAuthzCache(clientId: string): Promise<boolean>
}
