import type { Codec } from '../codecs.js'
import { TidingsError } from '../errors.js'
import type { RequestTopic, TopicParams } from '../topic/template.js'
import { unwrapReply, wrapRequest, type ReplyFrame } from './request-envelope.js'
import {
  decodeBody,
  encodeBody,
  ERROR_PROPERTY,
  failureText,
  hex,
  messageOf,
  wireTopic,
  type RequestHost,
} from './request-wire.js'
import { abortedError } from './subscriber.js'
import type { MessageMeta, RequestOptions } from './types.js'

/** Requests waiting for a reply at most; one more rejects with QUOTA_EXCEEDED. */
const MAX_PENDING = 1000

/** A request waiting for its reply. */
interface Pending {
  readonly topic: string
  readonly reply: Codec<unknown>
  /** Takes it out of the map and clears its timer and listeners; false when it had already settled. */
  take(): boolean
  resolve(value: unknown): void
  reject(error: unknown): void
}

/** `client.request()`. */
export type Request = <T extends string, V, R>(
  def: RequestTopic<T, V, R>,
  params: TopicParams<T>,
  value: V,
  options?: RequestOptions,
) => Promise<R>

/**
 * The requesting side: one reply topic per client, subscribed on the first request (and restored after a
 * reconnect like any subscription), and the requests waiting on it, keyed by correlation id.
 */
export function requester(host: RequestHost): Request {
  const pending = new Map<string, Pending>()
  let replyTopic: string | undefined
  let subscribed: Promise<unknown> | undefined

  const onReply = (payload: Uint8Array, meta: MessageMeta): void => {
    const topic = meta.topic
    const frame = host.protocolVersion === 5 ? fromProperties(payload, meta) : unwrapReply(payload)
    const entry = frame && pending.get(hex(frame.correlation))
    if (!frame || !entry?.take()) {
      // A redelivery, a second responder, or an answer after the timeout: the first reply already won.
      const [code, text] = frame
        ? (['DUPLICATE_REPLY', 'answers no pending request'] as const)
        : (['INVALID_PAYLOAD', 'is not a reply'] as const)
      return host.reportError(new TidingsError(code, `message on ${topic} ${text}; dropped it`, { topic }))
    }
    if (frame.error !== undefined) {
      const text = `${entry.topic}: ${failureText(frame.error)}`
      return entry.reject(new TidingsError('REQUEST_FAILED', text, { topic: entry.topic }))
    }
    decodeBody(entry.reply, frame.body, entry.topic).then(entry.resolve, entry.reject)
  }

  /** The client's reply topic: the one asked for, else `tidings/reply/<24 random hex digits>`. */
  const replyTopicName = (): string => {
    if (replyTopic) return replyTopic
    const nonce = new Uint8Array(12)
    if (!host.replyTopic) host.random(nonce)
    const name = host.replyTopic ?? `tidings/reply/${hex(nonce)}`
    try {
      host.checkTopic(name)
    } catch (error) {
      const text = `${host.adapter} refuses the reply topic ${name} (${messageOf(error)}): set replyTopic`
      throw new TidingsError('UNSUPPORTED', text, { adapter: host.adapter, topic: name, cause: error })
    }
    replyTopic = name
    return name
  }

  return (def, params, value, options = {}) =>
    new Promise((resolve, reject) => {
      const { signal } = options
      const timeoutMs = options.timeoutMs ?? 10_000
      if (!def?.reply || !(timeoutMs > 0 && timeoutMs < 2 ** 31))
        throw new TidingsError('INVALID_OPTIONS', 'request needs a topic with a reply codec and timeoutMs > 0')
      const name = def.name(params)
      if (signal?.aborted) throw abortedError(`request on ${name}`, signal)
      if (pending.size >= MAX_PENDING)
        throw new TidingsError('QUOTA_EXCEEDED', `${MAX_PENDING} requests await replies`, { topic: name })
      const to = replyTopicName()
      // Subscribed once; a failed attempt is tried again by the next request.
      subscribed ??= host
        .subscribe({
          filter: to,
          // A reply is never delivered above its own QoS, so the highest the broker grants loses nothing.
          qos: host.replyQos,
          share: undefined,
          listenOnly: false,
          topic: undefined,
          handler: (payload, meta) => onReply(payload as Uint8Array, meta),
        })
        .catch((error: unknown) => {
          subscribed = undefined
          throw error
        })
      const correlation = new Uint8Array(16)
      host.random(correlation)
      const key = hex(correlation)
      const fail = (error: unknown): unknown => entry.take() && reject(error)
      const onAbort = (): unknown => fail(abortedError(`request on ${name}`, signal))
      const removeCloser = host.onClose(() => fail(host.closedError()))
      const timer = host.timers.setTimeout(
        () =>
          fail(new TidingsError('TIMEOUT', `no reply to the request on ${name} in ${timeoutMs} ms`, { topic: name })),
        timeoutMs,
      )
      const entry: Pending = {
        topic: name,
        reply: def.reply as Codec<unknown>,
        take: () => {
          if (!pending.delete(key)) return false
          host.timers.clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          removeCloser()
          return true
        },
        resolve: resolve as (value: unknown) => void,
        reject,
      }
      pending.set(key, entry)
      signal?.addEventListener('abort', onAbort, { once: true })
      subscribed
        .then(() => (pending.has(key) ? encodeBody(def.codec, value, name) : undefined))
        .then((body) => {
          if (!body || !pending.has(key)) return
          const qos = options.qos ?? def.qos
          const wire = wireTopic(def as unknown as RequestTopic)
          return host.protocolVersion === 5
            ? host.publish(wire, params, body, {
                qos,
                retain: false,
                properties: { responseTopic: to, correlationData: correlation },
              })
            : host.publish(wire, params, wrapRequest(correlation, to, body), { qos, retain: false })
        })
        .catch(fail)
    })
}

/** A reply read from MQTT 5 properties: Correlation Data, and the error user property on an error reply. */
function fromProperties(payload: Uint8Array, meta: MessageMeta): ReplyFrame | undefined {
  const properties = meta.properties as
    | { correlationData?: unknown; userProperties?: Record<string, string | string[]> }
    | undefined
  const correlation = properties?.correlationData
  if (!(correlation instanceof Uint8Array)) return undefined
  const error = properties?.userProperties?.[ERROR_PROPERTY]
  return error === undefined ? { correlation, body: payload } : { correlation, body: payload, error: String(error) }
}
