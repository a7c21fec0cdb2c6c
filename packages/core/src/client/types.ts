import type { TidingsError } from '../errors.js'
import type { RequestTopic, Topic, TopicParams } from '../topic/template.js'
import type { CloseInfo } from '../transport/socket-stream.js'
import type { RequestOptions, RespondOptions, Responder } from './request-types.js'

export type { RequestOptions, RespondOptions, Responder } from './request-types.js'
export type { ClientOptions, SessionOptions, Timers, WillMessage } from './options.js'

/**
 * Where the client stands:
 * - `offline`: not connected and not trying (before `connect()`, or after giving up);
 * - `connecting`: the first attempt of a `connect()` call is in progress;
 * - `online`: connected;
 * - `reconnecting`: the connection dropped and the client is backing off or retrying;
 * - `closed`: `close()` was called; the client cannot be used again.
 */
export type ClientState = 'offline' | 'connecting' | 'online' | 'reconnecting' | 'closed'

/** Details that come with a `state` event. */
export interface StateInfo {
  /** Why the connection closed, as the transport reported it (e.g. `{ code: 1000, reason: 'interrupted' }`). */
  close?: CloseInfo
  /** The error that caused the change, if any. */
  error?: TidingsError
  /** Reconnect attempt number (1-based) while `reconnecting`. */
  attempt?: number
  /** Delay before the next attempt while `reconnecting`. */
  delayMs?: number
  /** When `online`: the MQTT version spoken, 5 or 4 (3.1.1), whether pinned or negotiated. */
  protocolVersion?: 4 | 5
  /** When `online`: the node connected to (one of the profile's endpoints). */
  endpoint?: { readonly host: string; readonly port: number }
}

/** What a handler learns about a message besides its payload. */
export interface MessageMeta<P = Record<string, string>> {
  /** The concrete topic the message was published to. */
  topic: string
  /** Parameters read back from the topic. */
  params: P
  /** True for a retained message delivered on subscribe. */
  retain: boolean
  qos: 0 | 1 | 2
  /** True when the broker redelivered it. */
  dup: boolean
  /** MQTT 5 properties (user properties, content type, response topic, correlation data…). */
  properties?: Record<string, unknown>
  /** Set (only on what `onCleared` receives) when the message cleared the topic's retained message. */
  cleared?: true
}

/** A handler for one typed topic. May be async; a throw or rejection is reported as HANDLER_FAILED. */
export type MessageHandler<V, P> = (payload: V, meta: MessageMeta<P>) => void | Promise<void>

/** A received message, as yielded by {@link TidingsClient.stream}. */
export interface Message<V, P = Record<string, string>> {
  payload: V
  meta: MessageMeta<P>
}

/** Options of a subscription. */
export interface SubscribeOptions {
  /** Overrides the topic's QoS. */
  qos?: 0 | 1 | 2
  /**
   * Joins a shared subscription group (`$share/<group>/<filter>`): the broker gives each message to one
   * member of the group. Refused with UNSUPPORTED when the broker lacks shared subscriptions.
   */
  share?: string
  /**
   * Aborting it rejects a subscription still waiting for its SUBACK with ABORTED (and takes it back), and
   * ends (unsubscribes) one already made. An already-aborted signal rejects at once and sends nothing.
   */
  signal?: AbortSignal
  /**
   * Called when the topic's retained message is cleared (an empty payload on a topic declared with
   * `retain: true`, or delivered as retained), with `meta.cleared` set. Such a message has no value: it
   * never reaches the handler and is never reported as INVALID_PAYLOAD.
   */
  onCleared?: (meta: MessageMeta) => void
}

/** Options of a publish. */
export interface PublishOptions {
  /** Overrides the topic's QoS. */
  qos?: 0 | 1 | 2
  /** Overrides the topic's retain flag. */
  retain?: boolean
  /** MQTT 5 publish properties (ignored on 3.1.1). */
  properties?: {
    contentType?: string
    responseTopic?: string
    correlationData?: Uint8Array
    messageExpiryInterval?: number
    userProperties?: Record<string, string | string[]>
  }
}

/** A live subscription. */
export interface Subscription {
  /** The filter sent to the broker. */
  readonly filter: string
  unsubscribe(): Promise<void>
}

/** Options of {@link TidingsClient.stream}. */
export interface StreamOptions extends SubscribeOptions {
  /** Ends the iteration (and unsubscribes) when aborted. */
  signal?: AbortSignal
}

/** Options of {@link TidingsClient.waitFor}. */
export interface WaitForOptions<V, P> extends SubscribeOptions {
  /** Rejects with TIMEOUT after this long. */
  timeoutMs?: number
  /** Rejects the wait, and its `ready`, with ABORTED. */
  signal?: AbortSignal
  /** Only a message passing this test resolves the wait. */
  where?: (payload: V, meta: MessageMeta<P>) => boolean
}

/** The promise returned by `waitFor`; `ready` resolves once the broker acknowledged the subscription. */
export interface Waiting<V> extends Promise<V> {
  readonly ready: Promise<void>
}

/** Events of a client. */
export interface ClientEvents {
  [event: string]: (...args: never[]) => void
  state: (state: ClientState, info: StateInfo) => void
  /**
   * Problems that reject no call: failed attempts, handler failures, undecodable payloads, and messages no
   * subscription matches (`UNMATCHED_MESSAGE`).
   */
  error: (error: TidingsError) => void
}

/** The client: typed publish/subscribe over one MQTT connection. */
export interface TidingsClient {
  readonly state: ClientState
  /** The client id of the current (or last) connection. */
  readonly clientId: string | undefined
  /** Connects; resolves once online, rejects with the first attempt's error (NOT_AUTHORIZED, CONNECT_TIMEOUT, …). */
  connect(): Promise<void>
  /** Publishes; resolves once sent (QoS 0) or acknowledged (QoS 1/2). While reconnecting it waits in the offline queue. */
  publish<T extends string, V>(
    topic: Topic<T, V>,
    params: TopicParams<T>,
    payload: V,
    options?: PublishOptions,
  ): Promise<void>
  /** Subscribes; omitted params are `+` wildcards and come back in `meta.params`. Resolves on SUBACK. */
  subscribe<T extends string, V>(
    topic: Topic<T, V>,
    params: Partial<TopicParams<T>>,
    handler: MessageHandler<V, TopicParams<T>>,
    options?: SubscribeOptions,
  ): Promise<Subscription>
  /** Messages as an async iterator; `break` or the signal ends it and unsubscribes. */
  stream<T extends string, V>(
    topic: Topic<T, V>,
    params: Partial<TopicParams<T>>,
    options?: StreamOptions,
  ): AsyncIterableIterator<Message<V, TopicParams<T>>>
  /** The next message on a topic (retained ones count), then unsubscribes. */
  waitFor<T extends string, V>(
    topic: Topic<T, V>,
    params: Partial<TopicParams<T>>,
    options?: WaitForOptions<V, TopicParams<T>>,
  ): Waiting<V>
  /**
   * Sends a request on a topic declared with a `reply` codec and resolves with the decoded reply. Rejects
   * with TIMEOUT (after `timeoutMs`, default 10 s), ABORTED, REQUEST_FAILED (the responder's handler
   * failed), INVALID_PAYLOAD (the reply did not decode) or CLIENT_CLOSED. MQTT 5 uses Response Topic and
   * Correlation Data; MQTT 3.1.1 uses the envelope described in the README.
   */
  request<T extends string, V, R>(
    topic: RequestTopic<T, V, R>,
    params: TopicParams<T>,
    value: V,
    options?: RequestOptions,
  ): Promise<R>
  /**
   * Answers requests on a topic declared with a `reply` codec; omitted params are `+` wildcards. Resolves
   * on SUBACK with a subscription whose `unsubscribe()` stops answering.
   */
  respond<T extends string, V, R>(
    topic: RequestTopic<T, V, R>,
    params: Partial<TopicParams<T>>,
    handler: Responder<V, R, TopicParams<T>>,
    options?: RespondOptions,
  ): Promise<Subscription>
  /**
   * Clears the retained message of one concrete topic: publishes an empty retained payload (the codec is
   * not involved), at the topic's QoS. Subscribers see it through `onCleared`, never as a value.
   */
  clearRetained<T extends string, V>(topic: Topic<T, V>, params: TopicParams<T>): Promise<void>
  on<K extends keyof ClientEvents & string>(event: K, listener: ClientEvents[K]): () => void
  /**
   * Disconnects and ends every subscription and stream. Waits for in-flight QoS 1/2 acks at most
   * `closeTimeoutMs` (default 2 s), then destroys the socket; `force` skips the wait. Everything still
   * pending or unacknowledged rejects with CLIENT_CLOSED.
   */
  close(options?: { force?: boolean }): Promise<void>
}
