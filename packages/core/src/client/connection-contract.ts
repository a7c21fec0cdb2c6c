import type { ConnectCredentials } from '../contracts.js'
import type { TidingsError } from '../errors.js'
import type { CloseInfo } from '../transport/socket-stream.js'
import type { PublishTracker, WirePublish } from './publish-flow.js'
import type { ClientOptions } from './types.js'

/**
 * What the client and a connection (mqtt-engine.ts) promise each other: the client's side in
 * {@link ConnectionHandlers}, the connection's in {@link MqttConnection}.
 */

/** The client's options, with the MQTT version settled. */
export interface EngineOptions {
  readonly client: ClientOptions
  readonly protocolVersion: 4 | 5
}

/**
 * What a connection reports, naming itself (the client implements these once for all its connections).
 * Each is called at most once per connection, except `connectionMessage` and `connectionError`.
 */
export interface ConnectionHandlers {
  /** CONNACK accepted the connection. */
  connectionOnline(connection: MqttConnection, sessionPresent: boolean): void
  connectionMessage(topic: string, payload: Uint8Array, meta: IncomingMeta): void
  /** An error on the live connection (keep-alive timeout, protocol error); it ends the connection. */
  connectionError(connection: MqttConnection, error: TidingsError): void
  /**
   * The socket closed. `error` is what ended it, if something did (a CONNACK refusal, a timeout, a TLS
   * failure); `wasOnline` tells a failed attempt from a dropped connection.
   */
  connectionClosed(connection: MqttConnection, outcome: ConnectionOutcome): void
}

/** What a handler learns of an incoming message besides its topic and payload. */
export interface IncomingMeta {
  readonly retain?: boolean
  readonly qos?: number
  readonly dup?: boolean
  /** MQTT 5 properties, when the PUBLISH had any (as mqtt-packet parses them). */
  readonly properties?: Record<string, unknown>
}

/** How a connection ended: see {@link ConnectionHandlers.connectionClosed}. */
export interface ConnectionOutcome {
  readonly wasOnline: boolean
  readonly error: TidingsError | undefined
  readonly close: CloseInfo | undefined
}

/** The broker's answer to a SUBSCRIBE: one reason code per filter, or the raw failure MQTT.js reported. */
export interface SubackResult {
  readonly codes: ReadonlyArray<number | undefined>
  readonly failure: unknown
}

/**
 * One live (or opening) connection. Callbacks of operations whose connection closed (or was ended by
 * force) are never called: the client takes those operations back itself when it learns of the close.
 */
export interface MqttConnection {
  /** The credentials this connection logged in with. */
  readonly credentials: ConnectCredentials
  /**
   * Writes a publish (a QoS 1/2 one with the packet id the outbox gave it). The end of a QoS 1/2 exchange
   * goes to `tracker.finished`. Returns false, like a stream's `write`, when the transport's buffer is
   * full: wait for {@link afterDrain}. Throws, writing nothing, when MQTT 5 properties cannot be encoded.
   */
  publish(item: WirePublish, tracker?: PublishTracker): boolean
  /** Runs `done` once the transport's buffer drained, or the connection closed. */
  afterDrain(done: () => void): void
  /** One promise, shared by every caller until it settles, resolved as {@link afterDrain} would call back. */
  drained(): Promise<void>
  subscribe(filters: Record<string, { qos: 0 | 1 | 2 }>, done: (result: SubackResult) => void): void
  unsubscribe(filter: string, done: (failure: unknown) => void): void
  /**
   * Sends a PINGREQ now; `answered` runs when a PINGRESP arrives. The client uses it to check a connection
   * it thinks is live when the platform says the app or the network is back.
   */
  probe(answered: () => void): void
  /** Drops the socket at once; the connection reports `closed` as if the network failed. */
  drop(): void
  /** Sends DISCONNECT (after in-flight acks unless `force`) and closes. */
  end(force: boolean, done: () => void): void
}
