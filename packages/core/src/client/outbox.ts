import { TidingsError, isTidingsError } from '../errors.js'
import type { BrokerProfile } from '../contracts.js'
import type { Topic, TopicParams } from '../topic/template.js'
import { byteSize, checkPayloadSize, checkPublish } from './capabilities.js'
import type { MqttConnection, WirePublish } from './mqtt-engine.js'
import { fromMqttError } from './mqtt-errors.js'
import { PublishNames } from './publish-names.js'
import type { PublishOptions } from './types.js'

/** A publish the client accepted and has not finished: waiting to be written, or written and awaiting its ack. */
export interface OutgoingPublish extends WirePublish {
  resolve(): void
  reject(error: TidingsError): void
}

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
 * (made offline, or taken back from a connection that dropped before acknowledging them) and `inFlight`
 * ones (written to the current connection, awaiting PUBACK/PUBCOMP). A publish is in exactly one of the
 * two; when a connection drops, its unacknowledged publishes go back to the front of `waiting`, in the
 * order they were first written, and are written again on the next connection (at-least-once).
 */
export class Outbox {
  private waiting: OutgoingPublish[] = []
  /** Bytes (topic + payload) of the publishes in `waiting`. */
  private waitingBytes = 0
  private readonly inFlight = new Set<OutgoingPublish>()
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
    return new Promise((resolve, reject) =>
      this.submit({ topic: name, payload, qos, retain, properties, resolve, reject }),
    )
  }

  /** Publishes an empty retained payload to a concrete topic, which clears its retained message. */
  clearRetained(topicName: () => string, qos: 0 | 1 | 2): Promise<void> {
    try {
      const name = topicName()
      this.host.assertOpen()
      checkPublish(this.host.broker, name, qos, true)
      this.host.assertUsable(name)
      const payload = new Uint8Array(0)
      return new Promise((resolve, reject) =>
        this.submit({ topic: name, payload, qos, retain: true, properties: undefined, resolve, reject }),
      )
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Writes now when a connection is writable, else waits, up to the limit (beyond it OFFLINE_QUEUE_FULL).
   * A `raw` publish from a profile bypasses holds (raw publishes are how a hold is released) and, offline,
   * waits ahead of the app's publishes.
   */
  submit(item: OutgoingPublish, raw = false): void {
    const connection = raw ? this.host.live() : this.host.writable()
    if (connection) return this.write(connection, item)
    const bytes = byteSize(item.topic) + byteSize(item.payload)
    if (this.waiting.length >= this.limit || this.waitingBytes + bytes > this.byteLimit) {
      const full = this.waiting.length >= this.limit ? `${this.limit} publishes` : `${this.byteLimit} bytes`
      item.reject(
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

  /** Writes everything waiting, in order, if a connection is writable. */
  flush(): void {
    const connection = this.host.writable()
    if (!connection || this.waiting.length === 0) return
    const items = this.waiting
    this.waiting = []
    this.waitingBytes = 0
    for (const item of items) this.write(connection, item)
  }

  /** The connection dropped: its unacknowledged publishes wait again, ahead of newer ones. */
  connectionLost(): void {
    if (this.inFlight.size === 0) return
    // Taken back even past the limit: these were accepted already.
    for (const item of this.inFlight) this.waitingBytes += byteSize(item.topic) + byteSize(item.payload)
    // Written once already: the resend carries the DUP flag (MQTT 3.1.1 §4.4, 5.0 §4.4).
    const resent = [...this.inFlight].map((item): OutgoingPublish => ({ ...item, dup: true }))
    this.waiting = [...resent, ...this.waiting]
    this.inFlight.clear()
  }

  /** Rejects every publish, waiting and in flight (the client gave up or closed). */
  rejectAll(error: TidingsError): void {
    const items = [...this.inFlight, ...this.waiting]
    this.inFlight.clear()
    this.waiting = []
    this.waitingBytes = 0
    for (const item of items) item.reject(error)
  }

  private write(connection: MqttConnection, item: OutgoingPublish): void {
    if (item.qos === 0) {
      // QoS 0 promises nothing beyond the write: it resolves once the bytes are handed to the transport,
      // at once unless its buffer is full. Waiting for `drain` then gives a caller that awaits backpressure.
      if (connection.publish(item)) item.resolve()
      else connection.afterDrain(item.resolve)
      return
    }
    this.inFlight.add(item)
    connection.publish(item, (failure) => {
      // Not in flight any more: taken back after a loss, or rejected by close(); the late answer is stale.
      if (!this.inFlight.delete(item)) return
      if (failure === undefined) item.resolve()
      else item.reject(fromMqttError(failure, { adapter: this.host.adapter, operation: 'publish', topic: item.topic }))
    })
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
