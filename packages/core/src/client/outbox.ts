import { TidingsError, isTidingsError } from '../errors.js'
import type { BrokerProfile } from '../contracts.js'
import type { Topic, TopicParams } from '../topic/template.js'
import { byteSize, checkPayloadSize, checkPublish } from './capabilities.js'
import type { MqttConnection } from './mqtt-engine.js'
import { fromMqttError } from './mqtt-errors.js'
import { PUBLISH_IDS } from './packet-ids.js'
import { NEW, type PublishTracker, RELEASED, RESEND, RESEND_RELEASE, SENT, type WirePublish } from './publish-flow.js'
import { PublishNames } from './publish-names.js'
import type { PublishOptions } from './types.js'

/** A publish the client accepted and has not finished: waiting to be written, or written and awaiting its ack. */
export interface OutgoingPublish extends WirePublish {
  /** Settles the publish's promise: fulfilled, or adopting a rejected promise (see {@link refuse}). */
  resolve(value?: PromiseLike<void>): void
  /** Rejects it; publishes made by the outbox keep none (a function less per publish in flight). */
  reject?(error: TidingsError): void
}

/** Rejects a publish: with its `reject` if it kept one, else by resolving it with a rejected promise. */
function refuse(item: OutgoingPublish, error: TidingsError): void {
  if (item.reject) return item.reject(error)
  const rejected = Promise.reject(error)
  // Handled here, so no runtime reports it as unhandled; the publish's own promise adopts the rejection.
  rejected.catch(ignore)
  item.resolve(rejected)
}

function ignore(): void {}

/** What the outbox needs from the client. */
export interface OutboxHost {
  readonly adapter: string
  readonly broker: BrokerProfile
  readonly protocolVersion: 4 | 5
  /** The connection publishes may be written to now (online, no hold), or undefined. */
  writable(): MqttConnection | undefined
  /** The live connection even while a hold keeps the app's publishes back. */
  live(): MqttConnection | undefined
  /** Throws CLIENT_CLOSED once the client is closed. */
  assertOpen(): void
  /** Throws CLIENT_CLOSED when closed, NOT_CONNECTED (naming the topic) when the client gave up. */
  assertUsable(topic?: string): void
}

/**
 * Every publish the client accepted and has not finished, in one store and in order: `waiting` ones
 * (made offline, held back, or taken back from a connection that dropped before finishing them) and
 * numbered ones (`sent`: every QoS 1/2 publish written at least once, by packet id, in the order first
 * written). A QoS 1/2 publish keeps its packet id until it is finished, across connections: when one
 * drops, its unfinished publishes go back to the front of `waiting`, in the order first written, and are
 * written again on the next connection with their ids and DUP (at-least-once; see publish-flow.ts for
 * PUBREL on a resumed session).
 */
export class Outbox implements PublishTracker {
  private waiting: OutgoingPublish[] = []
  /** Bytes (topic + payload) of the publishes in `waiting`. */
  private waitingBytes = 0
  /** QoS 1/2 publishes by packet id; created on the first one, so an idle client carries none. */
  private sent: Map<number, OutgoingPublish> | undefined
  private lastId = 0
  /** Created on the first publish, so an idle client carries none. */
  private names: PublishNames | undefined

  constructor(
    private readonly host: OutboxHost,
    private readonly limit: number,
    private readonly byteLimit = Number.POSITIVE_INFINITY,
  ) {}

  /** Checks and encodes a typed publish, then submits it; resolves once sent (QoS 0) or acknowledged. */
  publish<T extends string, V>(
    topic: Topic<T, V>,
    params: TopicParams<T>,
    payload: V,
    options: PublishOptions | undefined,
  ): Promise<void> {
    const { host } = this
    try {
      const qos = options?.qos ?? topic.qos
      const retain = options?.retain ?? topic.retain
      const names = (this.names ??= new PublishNames())
      let name = names.lookup(topic, params, qos, retain)
      if (name === undefined) {
        name = topic.name(params)
        host.assertOpen()
        checkPublish(host.broker, name, qos, retain)
        names.remember(topic, params, qos, retain, name)
      } else host.assertOpen()
      // MQTT 5 properties are dropped on 3.1.1, which has no place for them.
      const properties = host.protocolVersion === 5 ? (options?.properties as Record<string, unknown>) : undefined
      const encoded = topic.codec.encode(payload)
      // The usual synchronous codec goes straight on, without a closure per publish.
      if (!isPromise(encoded)) return this.send(name, encoded, qos, retain, properties)
      const checked = name
      return encoded.then(
        (value) => this.send(checked, value, qos, retain, properties),
        (error: unknown) => {
          throw encodeError(checked, topic, error)
        },
      )
    } catch (error) {
      return Promise.reject(encodeError(topic.template, topic, error))
    }
  }

  private send(
    name: string,
    payload: string | Uint8Array,
    qos: 0 | 1 | 2,
    retain: boolean,
    properties: Record<string, unknown> | undefined,
  ): Promise<void> {
    checkPayloadSize(this.host.broker, name, payload)
    this.host.assertUsable(name)
    if (qos === 0 && this.waiting.length === 0) {
      const connection = this.host.writable()
      if (connection) return this.sendNow(connection, name, payload, retain, properties)
    }
    // One shape for every publish (ids and stages included from the start), so the hot path stays monomorphic.
    return new Promise((resolve) =>
      this.submit({ topic: name, payload, qos, retain, properties, resolve, id: 0, stage: NEW }),
    )
  }

  /**
   * A QoS 0 publish on a writable connection with nothing waiting ahead of it: it waits at most for room in
   * the transport's buffer, so it needs no promise of its own. It gets a settled one, or the one that every
   * publish waiting for the same `drain` shares. In a burst of 200k awaited publishes, a promise and a
   * resolve function per publish were most of what stayed alive, and what the garbage collector went over.
   */
  private sendNow(
    connection: MqttConnection,
    name: string,
    payload: string | Uint8Array,
    retain: boolean,
    properties: Record<string, unknown> | undefined,
  ): Promise<void> {
    const item: OutgoingPublish = {
      topic: name,
      payload,
      qos: 0,
      retain,
      properties,
      resolve: ignore,
      id: 0,
      stage: NEW,
    }
    try {
      return connection.publish(item, this) ? Promise.resolve() : connection.drained()
    } catch (error) {
      return Promise.reject(this.unwritable(error, name))
    }
  }

  /** Publishes an empty retained payload to a concrete topic, which clears its retained message. */
  clearRetained(topicName: () => string, qos: 0 | 1 | 2): Promise<void> {
    try {
      const name = topicName()
      this.host.assertOpen()
      checkPublish(this.host.broker, name, qos, true)
      return this.send(name, new Uint8Array(0), qos, true, undefined)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Writes now when a connection is writable, else waits, up to the limit (beyond it OFFLINE_QUEUE_FULL).
   * A `raw` publish from a profile bypasses holds (raw publishes are how a hold is released) and, offline,
   * waits ahead of the app's publishes. Publishes also wait, in order, while every packet id is taken.
   */
  submit(item: OutgoingPublish, raw = false): void {
    const connection = raw ? this.host.live() : this.host.writable()
    if (connection && (raw || this.waiting.length === 0) && this.write(connection, item)) return
    const bytes = byteSize(item.topic) + byteSize(item.payload)
    if (this.waiting.length >= this.limit || this.waitingBytes + bytes > this.byteLimit) {
      const full = this.waiting.length >= this.limit ? `${this.limit} publishes` : `${this.byteLimit} bytes`
      refuse(
        item,
        new TidingsError('OFFLINE_QUEUE_FULL', `offline queue is full (${full}); publish to ${item.topic} refused`, {
          topic: item.topic,
        }),
      )
      return
    }
    this.waitingBytes += bytes
    if (raw) this.waiting.unshift(item)
    else this.waiting.push(item)
  }

  /** Writes everything waiting, in order, if a connection is writable (up to the first without an id). */
  flush(): void {
    const connection = this.host.writable()
    const items = this.waiting
    let i = 0
    while (connection && i < items.length && this.write(connection, items[i]!)) {
      this.waitingBytes -= byteSize(items[i]!.topic) + byteSize(items[i]!.payload)
      i++
    }
    if (i > 0) this.waiting = items.slice(i)
  }

  /** The connection dropped: its unfinished publishes wait again, ahead of newer ones. */
  connectionLost(): void {
    const taken: OutgoingPublish[] = []
    for (const item of this.sent?.values() ?? []) {
      // Those at RESEND or RESEND_RELEASE are waiting already (taken back from an earlier connection).
      if (item.stage !== SENT && item.stage !== RELEASED) continue
      item.stage = item.stage === SENT ? RESEND : RESEND_RELEASE
      // Taken back even past the limit: these were accepted already.
      this.waitingBytes += byteSize(item.topic) + byteSize(item.payload)
      taken.push(item)
    }
    if (taken.length > 0) this.waiting = taken.concat(this.waiting)
  }

  /** Rejects every publish, waiting and in flight (the client gave up or closed). */
  rejectAll(error: TidingsError): void {
    const items: OutgoingPublish[] = []
    for (const item of this.sent?.values() ?? []) if (item.stage === SENT || item.stage === RELEASED) items.push(item)
    items.push(...this.waiting)
    this.sent?.clear()
    this.waiting = []
    this.waitingBytes = 0
    for (const item of items) refuse(item, error)
  }

  pending(id: number): OutgoingPublish | undefined {
    const item = this.sent?.get(id)
    return item?.stage === SENT || item?.stage === RELEASED ? item : undefined
  }

  finished(item: OutgoingPublish, failure: Error | undefined): void {
    this.sent!.delete(item.id!)
    if (failure === undefined) item.resolve()
    else refuse(item, fromMqttError(failure, { adapter: this.host.adapter, operation: 'publish', topic: item.topic }))
    // A freed packet id lets publishes that waited for one go.
    if (this.sent!.size === PUBLISH_IDS - 1 && this.waiting.length > 0) this.flush()
  }

  /** Writes one publish; false when no packet id is free (the publish must wait). */
  private write(connection: MqttConnection, item: OutgoingPublish): boolean {
    if (item.qos === 0) {
      // QoS 0 promises nothing beyond the write: it resolves once the bytes are handed to the transport,
      // at once unless its buffer is full. Waiting for `drain` then gives a caller that awaits backpressure.
      if (this.publishOn(connection, item)) item.resolve()
      else connection.afterDrain(item.resolve)
      return true
    }
    if (!item.stage) {
      const sent = (this.sent ??= new Map())
      if (sent.size >= PUBLISH_IDS) return false
      // Ends within PUBLISH_IDS steps: fewer than that many ids are taken.
      let id = this.lastId
      do id = id >= PUBLISH_IDS ? 1 : id + 1
      while (sent.has(id))
      this.lastId = id
      item.id = id
      sent.set(id, item)
    }
    this.publishOn(connection, item)
    return true
  }

  /** Writes to the connection; a publish that cannot be encoded (its MQTT 5 properties) fails alone. */
  private publishOn(connection: MqttConnection, item: OutgoingPublish): boolean {
    try {
      return connection.publish(item, this)
    } catch (error) {
      if (item.id !== undefined) this.sent?.delete(item.id)
      refuse(item, this.unwritable(error, item.topic))
      return false
    }
  }
  /** The error of a publish the connection could not encode (its MQTT 5 properties). */
  private unwritable(error: unknown, topic: string): TidingsError {
    return TidingsError.from(error, 'INVALID_OPTIONS', { adapter: this.host.adapter, topic })
  }
}

/** The error for a payload that failed to encode with its topic's codec (TidingsErrors pass through). */
function encodeError(name: string, topic: Topic<string, unknown>, error: unknown): TidingsError {
  if (isTidingsError(error)) return error
  return new TidingsError(
    'INVALID_PAYLOAD',
    `payload for ${name} failed to encode with ${topic.codec.name}: ${error instanceof Error ? error.message : String(error)}`,
    { topic: name, cause: error },
  )
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}
