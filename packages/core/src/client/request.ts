import { TidingsError } from '../errors.js'
import { redactText } from '../server/redact.js'
import type { RequestTopic, Topic, TopicParams } from '../topic/template.js'
import { unwrapReply, wrapRequest, type ReplyFrame } from './request-envelope.js'
import {
  decodeBody,
  encodeBody,
  ERROR_PROPERTY,
  hex,
  MAX_FAILURE_TEXT,
  wireTopic,
  type RequestHost,
} from './request-wire.js'
import { abortedError } from './subscriber.js'
import type { MessageMeta, RequestOptions } from './types.js'

/** Requests waiting for a reply at most; one more rejects with QUOTA_EXCEEDED. */
export const MAX_PENDING_REQUESTS = 1000

/** Time a request waits for its reply unless `timeoutMs` says otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

interface Pending {
  readonly topic: string
  readonly decode: (body: Uint8Array) => Promise<unknown>
  /** Takes the request out of the map and clears its timer and listeners; false when already settled. */
  finish(): boolean
  /** Settles the promise (after finish). */
  resolve(value: unknown): void
  fail(error: unknown): void
  /** Finishes and rejects, unless already settled. */
  reject(error: TidingsError): void
}

/**
 * The requesting side: one reply topic per client, subscribed on the first request (and restored after a
 * reconnect like any subscription), and the requests waiting on it, keyed by correlation id.
 */
export class Requester {
  private readonly pending = new Map<string, Pending>()
  private replyTopic: string | undefined
  private subscribed: Promise<unknown> | undefined

  constructor(private readonly host: RequestHost) {}

  /** Number of requests waiting for a reply. */
  get size(): number {
    return this.pending.size
  }

  request<T extends string, V, R>(
    def: RequestTopic<T, V, R>,
    params: TopicParams<T>,
    value: V,
    options: RequestOptions = {},
  ): Promise<R> {
    const { host } = this
    return new Promise<R>((resolve, reject) => {
      const reply = def?.reply
      if (!reply)
        throw new TidingsError('INVALID_OPTIONS', `${def?.template} has no reply codec: declare it with { reply }`)
      const { signal } = options
      const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
      if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs > 2_147_483_647)
        throw new TidingsError('INVALID_OPTIONS', `timeoutMs must be a positive number of milliseconds`)
      const name = def.name(params)
      if (signal?.aborted) throw abortedError(`request on ${name}`, signal)
      if (this.pending.size >= MAX_PENDING_REQUESTS)
        throw new TidingsError('QUOTA_EXCEEDED', `${MAX_PENDING_REQUESTS} requests are already waiting for a reply`, {
          topic: name,
        })
      const replyTopic = this.replyTopicName()
      const ready = this.subscribeReplies(replyTopic)
      const correlation = new Uint8Array(16)
      host.random(correlation)
      const key = hex(correlation)
      let timer: unknown
      let removeCloser: (() => void) | undefined
      const onAbort = (): void => entry.reject(abortedError(`request on ${name}`, signal))
      const entry: Pending = {
        topic: name,
        decode: (body) => decodeBody(reply, body, 'the reply', name),
        finish: () => {
          if (this.pending.get(key) !== entry) return false
          this.pending.delete(key)
          host.timers.clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          removeCloser?.()
          return true
        },
        resolve: (result) => resolve(result as R),
        fail: reject,
        reject: (error) => {
          if (entry.finish()) reject(error)
        },
      }
      this.pending.set(key, entry)
      signal?.addEventListener('abort', onAbort, { once: true })
      removeCloser = host.onClose(() => entry.reject(host.closedError()))
      timer = host.timers.setTimeout(
        () =>
          entry.reject(
            new TidingsError('TIMEOUT', `no reply to the request on ${name} within ${timeoutMs} ms`, { topic: name }),
          ),
        timeoutMs,
      )
      const live = (): boolean => this.pending.get(key) === entry
      ready
        .then(() => (live() ? encodeBody(def.codec, value, name) : undefined))
        .then((body) => {
          if (!body || !live()) return
          const qos = options.qos ?? def.qos
          const wire = wireTopic(def as unknown as Topic<string, unknown>)
          if (host.protocolVersion === 5)
            return host.publish(wire, params, body, {
              qos,
              retain: false,
              properties: { responseTopic: replyTopic, correlationData: correlation },
            })
          return host.publish(wire, params, wrapRequest(correlation, replyTopic, body), { qos, retain: false })
        })
        .catch((error: unknown) => entry.reject(TidingsError.from(error, 'INVALID_PAYLOAD', { topic: name })))
    })
  }

  /** The client's reply topic: the one asked for, else `tidings/reply/<24 random hex digits>`. */
  private replyTopicName(): string {
    if (this.replyTopic !== undefined) return this.replyTopic
    const { host } = this
    let name = host.replyTopic
    if (name === undefined) {
      const nonce = new Uint8Array(12)
      host.random(nonce)
      name = `tidings/reply/${hex(nonce)}`
    }
    try {
      host.checkTopic(name)
    } catch (error) {
      const reason = error instanceof Error ? error.message.replace(/^\[tidings\](?: \[[^\]]*\])? /, '') : String(error)
      throw new TidingsError(
        'UNSUPPORTED',
        `${host.adapter} does not allow the reply topic ${name} (${reason}); set replyTopic in the client options to one it allows`,
        { adapter: host.adapter, topic: name, cause: error },
      )
    }
    this.replyTopic = name
    return name
  }

  /** Subscribes to the reply topic once; a failed attempt is retried by the next request. */
  private subscribeReplies(replyTopic: string): Promise<unknown> {
    this.subscribed ??= this.host
      .subscribe({
        filter: replyTopic,
        // Lowered to 1 where the broker lacks QoS 2; a reply is never delivered above its own QoS anyway.
        qos: 2,
        share: undefined,
        listenOnly: false,
        topic: undefined,
        handler: (payload, meta) => this.onReply(payload as Uint8Array, meta),
      })
      .catch((error: unknown) => {
        this.subscribed = undefined
        throw error
      })
    return this.subscribed
  }

  private onReply(payload: Uint8Array, meta: MessageMeta): void {
    const frame = this.host.protocolVersion === 5 ? fromProperties(payload, meta) : unwrapReply(payload)
    const topic = meta.topic
    if (!frame)
      return this.host.reportError(
        new TidingsError('INVALID_PAYLOAD', `message on the reply topic ${topic} is not a reply; dropped it`, {
          topic,
        }),
      )
    const entry = this.pending.get(hex(frame.correlation))
    if (!entry)
      return this.host.reportError(
        new TidingsError(
          'DUPLICATE_REPLY',
          `reply on ${topic} answers no pending request (a duplicate, or it came after the timeout); dropped it`,
          { topic },
        ),
      )
    // The first reply wins: it leaves the map now, before an asynchronous decode.
    entry.finish()
    if (frame.error !== undefined) {
      return entry.fail(
        new TidingsError(
          'REQUEST_FAILED',
          `the responder to ${entry.topic} failed: ${redactText(frame.error, MAX_FAILURE_TEXT)}`,
          { topic: entry.topic },
        ),
      )
    }
    entry.decode(frame.body).then(entry.resolve, entry.fail)
  }
}

/** A reply read from MQTT 5 properties: Correlation Data, and the error user property on an error reply. */
function fromProperties(payload: Uint8Array, meta: MessageMeta): ReplyFrame | undefined {
  const properties = meta.properties as
    | { correlationData?: unknown; userProperties?: Record<string, string | string[]> }
    | undefined
  const correlation = properties?.correlationData
  if (!(correlation instanceof Uint8Array) || correlation.length === 0) return undefined
  const error = properties?.userProperties?.[ERROR_PROPERTY]
  if (error === undefined) return { correlation, body: payload }
  return { correlation, body: payload, error: Array.isArray(error) ? error.join(', ') : String(error) }
}
