import type { Buffer } from 'buffer'
import { MqttClient, type IPublishPacket, type Packet } from 'mqtt'
import type { ConnectCredentials, TransportStream } from '../contracts.js'
import type { TidingsError } from '../errors.js'
import type { CloseInfo } from '../transport/socket-stream.js'
import { classifyError, connackRefusal, isConnectionClosed } from './mqtt-errors.js'
import { pubacks, readAck, readPublish } from './incoming-wire.js'
import { ParserFacingStream, type ParserInput } from './mqtt-stream.js'
import { PacketReader, type PacketRoutes } from './packet-reader.js'
import { WriteBatch } from './write-batch.js'
import { clientOptions, DEFAULT_MAX_PACKET_BYTES } from './mqtt-options.js'
import { ackFailure, type PublishFlow, publishFlow, type PublishTracker, type WirePublish } from './publish-flow.js'
import type { ConnectionHandlers, EngineOptions, MqttConnection, SubackResult } from './connection-contract.js'

export type {
  ConnectionHandlers,
  ConnectionOutcome,
  EngineOptions,
  IncomingMeta,
  MqttConnection,
  SubackResult,
} from './connection-contract.js'
export type { WirePublish } from './publish-flow.js'

/**
 * The only module that drives MQTT.js. One {@link MqttConnection} is one network connection: a fresh
 * `MqttClient` per attempt, built with that attempt's credentials, thrown away when its socket closes.
 * Nothing survives a connection inside MQTT.js, so what must survive (unacknowledged publishes,
 * subscriptions) lives in tidings' own stores, in one place each.
 */

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
 * object literal of closures would cost every idle connection a function each. It is also where the
 * packet reader sends the packets of the message path (see {@link take}).
 */
class Connection implements MqttConnection, PacketRoutes {
  private closed = false
  /** Ended by force: late answers of this connection are ignored like those of a closed one. */
  private abandoned = false
  private online = false
  private ending = false
  private failure: TidingsError | undefined
  private closeInfo: CloseInfo | undefined
  private batch: WriteBatch | undefined
  /** MQTT.js's parser: what the packet reader does not take goes there. */
  private parser: ParserInput | undefined
  /** Made on the first publish, so an idle connection carries none. */
  private flow: PublishFlow | undefined
  /** Ids of the QoS 1 messages received in the chunk being read: acknowledged together once it is read. */
  private acks: number[] | undefined
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
      const reader = new PacketReader(
        options.client.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES,
        options.protocolVersion,
        options.client.broker.name,
        this,
      )
      s.on('data', (chunk: Uint8Array) => {
        // Whatever answers this chunk (PUBACKs, PUBRELs, the publishes their settling lets out, what the app
        // awaiting its messages writes) leaves together.
        const batch = this.batch
        batch?.holdWhileReading()
        let problem: TidingsError | undefined
        try {
          // An oversized or malformed packet ends the connection before its body is buffered.
          problem = reader.feed(chunk)
        } finally {
          batch?.chunkRead()
        }
        if (problem && !s.destroyed) {
          this.fail(problem)
          s.destroy()
        }
      })
      return new ParserFacingStream(
        s,
        (parser) => {
          this.parser = parser
        },
        // What tidings joined in this tick goes first: MQTT.js's packets never overtake it.
        () => this.batch?.flushJoined(),
      ) as unknown as TransportStream
    }
    const mqtt = new MqttClient(stream, clientOptions(options, credentials))
    this.mqtt = mqtt
    mqtt.on('packetreceive', (packet: Packet) => {
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
    // Messages MQTT.js parsed: those before CONNACK was handled, QoS 2 ones, those with MQTT 5 properties.
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

  /**
   * A PUBLISH, PUBACK, PUBREC or PUBCOMP from the packet reader. Until MQTT.js has handled the CONNACK,
   * everything goes to MQTT.js, so no message overtakes the connection coming online; after that, QoS 0/1
   * messages without properties are dispatched here (a QoS 1 one acknowledged once its chunk is read, as
   * MQTT.js acknowledges after dispatching) and acknowledgements go to the publish flow.
   */
  take(packet: Buffer, bodyAt: number): boolean {
    // Nothing of a closed or abandoned connection reaches the client any more.
    if (this.closed || this.abandoned) return true
    if (!this.online) return false
    const { protocolVersion } = this.options
    const type = packet[0]! >> 4
    if (type !== 3) {
      const ack = readAck(packet, bodyAt, protocolVersion)
      if (ack < 0) return false
      this.flow?.answer(type, ack & 0xffff, ack >>> 16)
      return true
    }
    const message = readPublish(packet, bodyAt, protocolVersion)
    if (!message) return false
    if (message.qos === 1) (this.acks ??= []).push(message.id)
    this.handlers.connectionMessage(message.topic, message.payload, message)
    return true
  }

  forward(bytes: Buffer): void {
    // QoS 1 messages are acknowledged in the order they arrived (3.1.1 §4.6, 5.0 §4.6): those taken so far
    // before MQTT.js answers any it parses.
    this.chunkRead()
    this.parser?.write(bytes)
  }

  chunkRead(): void {
    const acks = this.acks
    if (acks === undefined || acks.length === 0) return
    this.acks = undefined
    if (!this.closed && !this.abandoned) this.batch?.write(pubacks(acks))
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
    const batch = this.batch
    if (!batch) return true
    this.flow ??= publishFlow(
      batch,
      this.options.protocolVersion,
      this.resumed,
      () => this.flow!.unacked === 0 && this.finishEnd(false),
      (message) => this.fail(new Error(message)),
    )
    this.flow.write(item, tracker)
    return !batch.full
  }

  drained(): Promise<void> {
    return this.closed || !this.batch ? Promise.resolve() : this.batch.drained()
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
