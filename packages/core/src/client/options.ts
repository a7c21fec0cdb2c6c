import type { BrokerProfile, Transport } from '../contracts.js'
import type { ReconnectOptions } from './backoff.js'
/** Timer functions, injectable so platforms (and tests) can supply their own. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** A last-will message the broker publishes if the client vanishes without closing. */
export interface WillMessage {
  topic: string
  payload: string | Uint8Array
  qos?: 0 | 1 | 2
  retain?: boolean
}

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Where to connect and as whom: `mosquitto(…)`, `emqx(…)`, `aliyun(…)`, `genericBroker(…)`. */
  broker: BrokerProfile
  /** How bytes move on this platform: `tcp()`, `tls(…)`, `websocket(…)`, `wechat(…)`. */
  transport: Transport
  /**
   * MQTT protocol version, pinned. Without it the profile's pin applies; a profile that pins nothing gets
   * MQTT 5 first and 3.1.1 at once when the broker turns 5 down (a CONNACK "unacceptable protocol version",
   * or a close right after the MQTT 5 CONNECT), kept for the client's life once it connects.
   * @default negotiated, or 4 (3.1.1) when the broker cannot speak MQTT 5
   */
  protocolVersion?: 4 | 5
  /**
   * Keep-alive interval in seconds. A connection that went silent (half-open: no reset, nothing arrives)
   * is noticed within 1.5× this interval and reconnected. @default 30
   */
  keepaliveSeconds?: number
  /**
   * Let MQTT.js log through its `debug` module (enable with `DEBUG=mqttjs*`). Off by default: its logging
   * costs about a microsecond per message even when nothing is printed. @default false
   */
  debug?: boolean
  /**
   * Longest `close()` waits for in-flight QoS 1/2 acknowledgements before it destroys the socket, so it
   * resolves in bounded time even on a half-open connection. @default 2000
   */
  closeTimeoutMs?: number
  /** Time allowed from opening the transport to CONNACK. @default 10000 */
  connectTimeoutMs?: number
  /**
   * Keep the MQTT session across connections, so QoS 1/2 messages published while this client was away
   * are delivered when it returns, and subscriptions survive. `{ persistent: true, expirySeconds }` is sent
   * as MQTT 5 Session Expiry Interval (default one day), or as `clean: false` on MQTT 3.1.1 (where the
   * broker decides how long to keep it). On reconnect the client reads the CONNACK's session-present flag:
   * when the broker kept the session only unacknowledged subscriptions are sent again; when it lost it,
   * every subscription is restored. Needs a client id that stays the same across connections.
   * @default { persistent: false }
   */
  session?: SessionOptions
  /** Start a clean session on every connect. Prefer `session`. @default true */
  clean?: boolean
  /** MQTT 5 session expiry for persistent sessions (`clean: false`). Prefer `session.expirySeconds`. */
  sessionExpirySeconds?: number
  /** Reconnect policy after a connection loss, or `false` to stay offline. */
  reconnect?: ReconnectOptions | false
  /** Most publishes held while offline; more reject with OFFLINE_QUEUE_FULL. @default 1000 */
  offlineQueueLimit?: number
  /**
   * Most bytes (topic + payload) held while offline; a publish that would go beyond rejects with
   * OFFLINE_QUEUE_FULL and is never sent later. @default 8 MiB
   */
  offlineQueueBytes?: number
  /**
   * Largest packet accepted from the broker, in bytes. Sent as MQTT 5 Maximum Packet Size; on every
   * version a packet announced larger ends the connection (PROTOCOL_ERROR, then a reconnect) as soon as its
   * header arrives, before its body is buffered. @default 16 MiB
   */
  maxPacketBytes?: number
  /** Capacity of each `stream()` buffer before the oldest message is dropped (with a STREAM_OVERFLOW error). @default 1000 */
  streamBufferSize?: number
  will?: WillMessage
  /** Timer functions. @default globalThis.setTimeout / clearTimeout */
  timers?: Timers
  /**
   * Fills an array with cryptographically strong random bytes, for request correlation ids and the reply
   * topic. Pass one on platforms without `crypto.getRandomValues` (WeChat and other mini-programs), or
   * `request()` rejects with UNSUPPORTED. @default globalThis.crypto.getRandomValues
   */
  randomBytes?: (into: Uint8Array) => void
  /**
   * The topic replies to this client's requests come to, subscribed on the first `request()`. Set it when
   * the broker's ACL only allows certain topics (e.g. one naming the client id). Must be this client's
   * alone. @default `tidings/reply/<24 random hex digits>`, one per client
   */
  replyTopic?: string
}

/** Options of {@link ClientOptions.session}. */
export interface SessionOptions {
  /** Ask the broker to keep the session when the connection ends. */
  persistent: boolean
  /** MQTT 5: how long the broker keeps the session after a disconnect. @default 86400 (one day) */
  expirySeconds?: number
}
