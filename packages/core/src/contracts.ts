/**
 * The contracts between the client and the pieces users plug into it: broker profiles (where to connect
 * and as whom), transports (how bytes move on a platform) and the server-side capabilities every broker
 * adapter's `./server` entry offers.
 *
 * @module
 */
import type { Duplex } from 'node:stream'
import type { Timers } from './client/types.js'
import type { Topic, TopicParams } from './topic/template.js'

/** A value or a promise of it. Contracts accept both; the client awaits once. */
export type MaybePromise<T> = T | PromiseLike<T>

/** The URL scheme a transport speaks. */
export type TransportScheme = 'mqtt' | 'mqtts' | 'ws' | 'wss'

/** Where to connect for one scheme. */
export interface EndpointInfo {
  readonly host: string
  readonly port: number
  /** WebSocket path; brokers expect `/mqtt`. Ignored by tcp/tls. */
  readonly path?: string
  /** TLS server name (SNI) when it differs from `host`. */
  readonly servername?: string
}

/** What a broker can do; the client checks a flag before using a feature. */
export interface BrokerCapabilities {
  /** May speak MQTT 5. When false the client uses 3.1.1; when true it tries 5 first (see `protocolVersion`). */
  readonly mqtt5: boolean
  readonly qos2: boolean
  readonly retain: boolean
  readonly will: boolean
  /** `$share/<group>/<filter>` subscriptions. */
  readonly sharedSubscriptions: boolean
  /** Largest payload the broker accepts, in bytes. */
  readonly maxPayloadBytes?: number
  /** Most subscriptions one client may hold; more are refused client-side with QUOTA_EXCEEDED. */
  readonly maxSubscriptions?: number
  /** Longest topic in characters. */
  readonly maxTopicLength?: number
}

/** Credentials and identity for one connection attempt. */
export interface ConnectCredentials {
  clientId: string
  username?: string
  password?: string | Uint8Array
}

/**
 * Why credentials are asked for:
 * - `'connect'`: the first attempt of a `connect()`;
 * - `'reconnect'`: another attempt, after a lost connection or a failed attempt;
 * - `'rejected'`: the broker refused the last credentials (`previousError` says how);
 * - `'refresh'`: the current credentials are about to expire and are replaced ahead of time;
 * - `'invalidated'`: the broker announced that the current credentials are no longer valid.
 */
export type ConnectReason = 'connect' | 'reconnect' | 'rejected' | 'refresh' | 'invalidated'

/** Context the client hands to {@link BrokerProfile.connectOptions}. */
export interface ConnectContext {
  /** 0 for the first attempt of a `connect()`, then 1, 2, … for each retry or reconnect. */
  readonly attempt: number
  /** Set when the last connection was refused as not authorized: fresh credentials are needed. */
  readonly previousError?: { readonly code: string }
  /**
   * Why the client asks, when it knows better than `attempt` and `previousError` tell. Profiles fill it in
   * with `credentialsContext()` otherwise, so callbacks always see one.
   */
  readonly reason?: ConnectReason
}

/**
 * What every credentials callback receives, on every profile: `credentials(ctx)` of mosquitto, emqx and
 * `genericBroker`, `fetchToken(ctx)` of EMQX's `jwtAuth` and Aliyun's `tokenAuth`. Build it with
 * `credentialsContext()`.
 */
export interface CredentialsContext extends ConnectContext {
  /** The client id this connection will use unless the callback's answer pins another. */
  readonly clientId: string
  readonly reason: ConnectReason
}

/**
 * A broker adapter: where to connect and as whom.
 *
 * `connectOptions()` is called before **every** (re)connect, so short-lived credentials (an EMQX JWT,
 * an Aliyun token) are refreshed without user code.
 */
export interface BrokerProfile {
  /** `'emqx' | 'mosquitto' | 'aliyun' | 'generic' | …`, used in error messages. */
  readonly name: string
  readonly capabilities: BrokerCapabilities
  /** The endpoint for a scheme; throws TidingsError('UNSUPPORTED') for a scheme the broker lacks. */
  endpoint(scheme: TransportScheme): EndpointInfo
  /**
   * Every node of a cluster for a scheme, in the order to try them; absent: `[endpoint(scheme)]`. The client
   * tries them in turn, one per attempt, and backs off only after a whole round of them failed.
   */
  endpoints?(scheme: TransportScheme): readonly EndpointInfo[]
  /** Try the nodes of {@link endpoints} in a new random order each round instead of in turn. */
  readonly shuffleEndpoints?: boolean
  /**
   * The MQTT version the profile pins (the broker is known to speak only this one, or the user chose it).
   * Absent: the client connects with MQTT 5 when `capabilities.mqtt5`, and falls back to 3.1.1 once for
   * good when the broker turns MQTT 5 down. `ClientOptions.protocolVersion` pins it too, and wins.
   */
  readonly protocolVersion?: 4 | 5
  connectOptions(ctx: ConnectContext): MaybePromise<ConnectCredentials>
  /**
   * True when `connectOptions()` may return different, fresh credentials after a NOT_AUTHORIZED refusal
   * (a token fetched from the app backend). The client then tries once more before giving up.
   */
  readonly refreshesCredentials?: boolean
  /** Broker-specific topic rules; throws TidingsError('INVALID_TOPIC'). */
  validateTopic?(topic: string, use: 'publish' | 'subscribe'): void
  /**
   * Called once the client is online, with a handle to act on the live connection (e.g. Aliyun's in-session
   * token upload). Returns a cleanup function called when the client closes.
   */
  attach?(session: ProfileSession): (() => void) | void
}

/** What a profile may do with a live client: see {@link BrokerProfile.attach}. */
export interface ProfileSession {
  /** Publishes raw bytes or text, bypassing codecs (QoS 1 resolves on PUBACK). */
  publishRaw(topic: string, payload: string | Uint8Array, opts?: { qos?: 0 | 1 }): Promise<void>
  /**
   * Routes messages matching a raw filter to `handler`, bypassing codecs. With `listenOnly` no SUBSCRIBE is
   * sent: for messages the broker pushes unasked (Aliyun's `$SYS/tokenExpireNotice`). Returns a remover.
   */
  subscribeRaw(
    filter: string,
    handler: (payload: Uint8Array, topic: string) => void,
    opts?: { listenOnly?: boolean; qos?: 0 | 1 | 2 },
  ): Promise<() => Promise<void>>
  /** Holds publishes and subscribes issued by the app until `release()` is called (e.g. until a PUBACK). */
  hold(): { release(): void }
  /** Reports a problem through the client's `error` event. */
  reportError(error: unknown): void
  /** Forces a reconnect now (credentials are fetched again first). */
  reconnect(): void
  /**
   * The client's timers (`ClientOptions.timers`), for a profile's own timeouts and refresh schedules, so
   * injected or fake timers govern them too. Optional for sessions built outside `createClient`.
   */
  readonly timers?: Timers
}

/**
 * A duplex byte stream for one connection: Node's `stream.Duplex` or anything of its shape (readable-stream's
 * `Duplex`, which the browser and mini-program transports build on), as MQTT.js's client takes it.
 */
export type TransportStream = Duplex & { socket?: unknown }

/** Options for {@link Transport.open}. */
export interface TransportOpenOptions {
  /** The scheme the client chose, from {@link Transport.schemes} (or `scheme`). */
  readonly scheme: TransportScheme
  /** WebSocket subprotocols: `['mqtt']`, or `['mqttv3.1']` for MQTT 3.1. */
  readonly protocols: string[]
  readonly connectTimeoutMs: number
}

/**
 * A transport: how bytes move on this platform. `open()` returns a fresh stream for each (re)connect.
 * Platform objects (`WebSocket`, `wx`, `net`) are injected into the factory, never sniffed.
 */
export interface Transport {
  /** Short name for errors and logs: `'tcp'`, `'tls'`, `'ws'`, `'wechat'`, … */
  readonly name: string
  /** The scheme this transport speaks. */
  readonly scheme: TransportScheme
  /**
   * The schemes the transport accepts, in order of preference: the client uses the first one the broker
   * profile does not refuse (profiles serve `mqtts`/`wss` with `tls: true` or a secure URL, `mqtt`/`ws`
   * otherwise), so the profile alone decides the scheme and transports take no scheme flag. A transport
   * may list a scheme it cannot speak so that `open()` refuses it with a clear INVALID_OPTIONS (Node's
   * `tcp()` asked for `mqtts`).
   * @default [scheme]
   */
  readonly schemes?: readonly TransportScheme[]
  open(endpoint: EndpointInfo, opts: TransportOpenOptions): TransportStream
  /** Foreground/background/network events of the platform (mini-programs). */
  readonly lifecycle?: PlatformLifecycle
}

/** Platform events that tell the client when to reconnect at once instead of waiting for its backoff. */
export interface PlatformLifecycle {
  /** The app came to the foreground. Returns an unsubscribe function. */
  onForeground?(listener: () => void): () => void
  /** The app went to the background. */
  onBackground?(listener: () => void): () => void
  /** The network changed; `online` false means no network at all. */
  onNetworkChange?(listener: (online: boolean) => void): () => void
}

// --- server side ---

/** A request for short-lived, least-privilege credentials for an untrusted client (browser, mini-program). */
export interface CredentialRequest {
  userId: string
  /** Pin the client id; the issuer picks one when absent. */
  clientId?: string
  /** Topic filters the client may subscribe to. */
  subscribe: string[]
  /** Topic names/filters the client may publish to. */
  publish: string[]
  ttlSeconds: number
}

/** Credentials handed to an untrusted client. */
export interface IssuedCredentials {
  clientId: string
  username?: string
  password: string
  expiresAt: Date
}

/** Issues short-lived, least-privilege credentials. Every adapter's `./server` entry offers one. */
export interface CredentialIssuer {
  issue(req: CredentialRequest): Promise<IssuedCredentials>
}

/** Options of a server-side publish. */
export interface ServerPublishOptions {
  qos?: 0 | 1 | 2
  retain?: boolean
}

/** Result of a server-side publish; `delivered` is false when the broker says nobody was subscribed. */
export interface ServerPublishResult {
  id?: string
  delivered?: boolean
}

/**
 * Pushes from a backend, without holding an MQTT connection where the broker allows it. Build one with
 * `defineServerPublisher` from `@tidings/core/server`, so both forms behave the same in every adapter.
 */
export interface ServerPublisher {
  /**
   * Publishes a typed value: the name is built from the definition (every param required and checked) and
   * the value encoded with its codec, exactly like `client.publish`. The topic's `qos`/`retain` are defaults.
   */
  publish<T extends string, V>(
    topic: Topic<T, V>,
    params: TopicParams<T>,
    value: V,
    opts?: ServerPublishOptions,
  ): Promise<ServerPublishResult>
  /** Publishes raw text or bytes to a topic name. */
  publish(topic: string, payload: string | Uint8Array, opts?: ServerPublishOptions): Promise<ServerPublishResult>
  /**
   * Clears the retained message of one concrete topic: publishes an empty retained payload (the codec is
   * not involved) at the topic's QoS, like `client.clearRetained`; subscribers see it through `onCleared`.
   * Rejects with UNSUPPORTED where the broker has no retained messages (Aliyun).
   */
  clearRetained<T extends string, V>(topic: Topic<T, V>, params: TopicParams<T>): Promise<ServerPublishResult>
  /** Clears the retained message of a topic name, at `opts.qos` (the adapter's default QoS when omitted). */
  clearRetained(topic: string, opts?: Pick<ServerPublishOptions, 'qos'>): Promise<ServerPublishResult>
}
