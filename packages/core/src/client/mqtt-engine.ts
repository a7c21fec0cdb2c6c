import type { Buffer } from 'buffer'
import { MqttClient, type IPublishPacket, type Packet } from 'mqtt'
import type { ConnectCredentials, TransportStream } from '../contracts.js'
import type { TidingsError } from '../errors.js'
import type { CloseInfo } from '../transport/socket-stream.js'
import { classifyError, connackRefusal, isConnectionClosed } from './mqtt-errors.js'
import { packetGuard } from './packet-guard.js'
import type { ClientOptions } from './types.js'
import { WriteBatch } from './write-batch.js'
import { clientOptions, DEFAULT_MAX_PACKET_BYTES } from './mqtt-options.js'
import { ackFailure, type PublishFlow, publishFlow, type PublishTracker, type WirePublish } from './publish-flow.js'

export type { WirePublish } from './publish-flow.js'

/**
 * The only module that drives MQTT.js. One {@link MqttConnection} is one network connection: a fresh
 * `MqttClient` per attempt, built with that attempt's credentials, thrown away when its socket closes.
 * Nothing survives a connection inside MQTT.js, so what must survive (unacknowledged publishes,
 * subscriptions) lives in tidings' own stores, in one place each.
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
  connectionMessage(topic: string, payload: Uint8Array, packet: IPublishPacket): void
  /** An error on the live connection (keep-alive timeout, protocol error); it ends the connection. */
  connectionError(connection: MqttConnection, error: TidingsError): void
  /**
   * The socket closed. `error` is what ended it, if something did (a CONNACK refusal, a timeout, a TLS
   * failure); `wasOnline` tells a failed attempt from a dropped connection.
   */
  connectionClosed(connection: MqttConnection, outcome: ConnectionOutcome): void
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

/**
 * Opens a connection. `openStream` builds the transport; it is called once, synchronously or not at all.
 */
export function openConnection(
  options: EngineOptions,
  credentials: ConnectCredentials,
  openStream: () => TransportStream,
  handlers: ConnectionHandlers,
): MqttConnection {
  return new Connection(options, credentials, openStream, handlers)
}

/**
 * A class, not closures over the connection's state: its methods live once on the prototype, where an
 * object literal of closures would cost every idle connection a function each.
 */
class Connection implements MqttConnection {
  private closed = false
  /** Ended by force: late answers of this connection are ignored like those of a closed one. */
  private abandoned = false
  private online = false
  private ending = false
  private failure: TidingsError | undefined
  private closeInfo: CloseInfo | undefined
  private batch: WriteBatch | undefined
  private socket: TransportStream | undefined
  /** Made on the first publish, so an idle connection carries none. */
  private flow: PublishFlow | undefined
  private resumed = false
  private probes: Array<() => void> | undefined
  /** A graceful end waits for the publishes in flight: MQTT.js does not know them. */
  private endDone: (() => void) | undefined
  private readonly mqtt: MqttClient

  constructor(
    private readonly options: EngineOptions,
    readonly credentials: ConnectCredentials,
    openStream: () => TransportStream,
    private readonly handlers: ConnectionHandlers,
  ) {
    const stream = (): TransportStream => {
      const s = openStream()
      // Registered before MQTT.js adds its own listener, so `closed` is set before MQTT.js fails the
      // callbacks of this connection's pending operations: those failures are known to be the loss itself.
      s.on('close', () => {
        this.closed = true
        this.closeInfo = (s as { closeInfo?: CloseInfo }).closeInfo
        // Nothing drains any more: QoS 0 publishes waiting for room were written as far as they will be.
        this.batch?.release()
      })
      this.batch = new WriteBatch(s)
      this.socket = s
      // Sees every chunk before MQTT.js's parser (listeners run in order; MQTT.js pipes right after this
      // returns): an oversized or malformed packet ends the connection before its body is buffered.
      const guard = packetGuard(
        options.client.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES,
        options.protocolVersion,
        options.client.broker.name,
      )
      s.on('data', (chunk: Uint8Array) => {
        const problem = guard.feed(chunk)
        if (problem && !s.destroyed) {
          this.fail(problem)
          s.destroy()
        }
      })
      return s
    }
    const mqtt = new MqttClient(stream, clientOptions(options, credentials))
    this.mqtt = mqtt
    mqtt.on('packetreceive', (packet: Packet) => {
      // MQTT.js answers this packet (PUBACK, PUBREC, …) in this tick: batch it with the tick's other writes.
      this.batch?.cork()
      if (!this.closed && !this.abandoned) this.flow?.answer(packet)
      if (packet.cmd === 'pingresp' && this.probes) {
        const answered = this.probes
        this.probes = undefined
        for (const probe of answered) probe()
      }
      if (packet.cmd !== 'connack' || this.online) return
      // tidings writes its publishes itself and never uses topic aliases: without the broker's Topic Alias
      // Maximum, MQTT.js builds no alias table (an LRU cache and an id allocator per connection) for them.
      if (packet.properties) delete packet.properties.topicAliasMaximum
      // The refusal is read from the CONNACK itself; MQTT.js then emits an error for it, which `fail`
      // ignores because a failure is already recorded.
      const code = options.protocolVersion === 5 ? packet.reasonCode : packet.returnCode
      if (code !== undefined && code !== 0) this.failure ??= connackRefusal(code, options.client.broker.name)
    })
    mqtt.on('connect', (connack) => {
      this.online = true
      this.resumed = connack.sessionPresent === true
      handlers.connectionOnline(this, connack.sessionPresent === true)
    })
    mqtt.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) =>
      handlers.connectionMessage(topic, payload, packet),
    )
    mqtt.on('error', (error: unknown) => this.fail(error))
    mqtt.on('close', () => {
      this.closed = true
      // Ending: answers still awaited will not come now.
      if (this.ending) return this.finishEnd(true)
      // Release MQTT.js's timers; its pending callbacks are ignored from now on.
      mqtt.end(true)
      handlers.connectionClosed(this, { wasOnline: this.online, error: this.failure, close: this.closeInfo })
    })
    mqtt.connect()
  }

  private finishEnd(force: boolean): void {
    const done = this.endDone
    this.endDone = undefined
    if (done) this.mqtt.end(force, () => done())
  }

  private fail(error: unknown): void {
    const { client } = this.options
    const mapped = classifyError(error, client.broker.name, client.transport.name, this.online)
    if (!this.online) {
      this.failure ??= mapped
      return
    }
    // Errors on a live connection end it; the close names this error as the cause of the loss. Only the
    // first is reported: what follows (the parser choking on the same bytes) is the same failure.
    const first = this.failure === undefined
    this.failure ??= mapped
    if (!this.ending && first) this.handlers.connectionError(this, mapped)
    // MQTT.js stays connected after a packet it could not parse; MQTT requires the client to close
    // (3.1.1 §4.8, 5.0 §4.13). The close reports the loss and the client reconnects.
    if (!this.closed) this.mqtt.stream?.destroy()
  }

  publish(item: WirePublish, tracker?: PublishTracker): boolean {
    this.batch?.cork()
    const socket = this.socket
    if (!socket) return true
    this.flow ??= publishFlow(
      socket,
      this.options.protocolVersion,
      this.resumed,
      () => this.flow!.unacked === 0 && this.finishEnd(false),
      (message) => this.fail(new Error(message)),
    )
    this.flow.write(item, tracker)
    return this.batch?.full !== true
  }

  afterDrain(done: () => void): void {
    if (this.closed || !this.batch) done()
    else this.batch.afterDrain(done)
  }

  subscribe(filters: Record<string, { qos: 0 | 1 | 2 }>, done: (result: SubackResult) => void): void {
    this.batch?.cork()
    this.mqtt.subscribe(filters, (error, granted, suback) => {
      if (this.closed || this.abandoned || isConnectionClosed(error)) return
      // SUBACK reason codes come back in request order, on success and on failure alike.
      const codes =
        (suback as { granted?: number[] } | undefined)?.granted ??
        (error as { packet?: { granted?: number[] } } | null)?.packet?.granted
      const keys = Object.keys(filters)
      done({ codes: keys.map((_, i) => codes?.[i] ?? granted?.[i]?.qos), failure: error ?? undefined })
    })
  }

  unsubscribe(filter: string, done: (failure: unknown) => void): void {
    this.batch?.cork()
    this.mqtt.unsubscribe(filter, (error, packet) => {
      if (this.closed || this.abandoned || isConnectionClosed(error)) return
      // MQTT.js passes an MQTT 5 UNSUBACK on whatever its reason codes say (mqtt-packet parses them into
      // `granted`); a code ≥ 0x80 is a refusal.
      const code = (packet as { granted?: number[] } | undefined)?.granted?.[0]
      done(error ?? (code !== undefined && code >= 0x80 ? ackFailure(code, 'Unsubscribe') : undefined))
    })
  }

  probe(answered: () => void): void {
    if (this.closed || !this.online) return
    ;(this.probes ??= []).push(answered)
    this.mqtt.sendPing()
  }

  drop(): void {
    this.mqtt.stream?.destroy()
  }

  end(force: boolean, done: () => void): void {
    this.ending = true
    // A forced end abandons what is in flight: MQTT.js fails those callbacks, and the client rejects the
    // operations itself (CLIENT_CLOSED) instead of reporting them as lost.
    if (force) this.abandoned = true
    if (this.closed) {
      done()
      return
    }
    this.endDone = done
    if (force || !this.flow || this.flow.unacked === 0) this.finishEnd(force)
  }
}
