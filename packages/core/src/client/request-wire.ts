import type { Codec } from '../codecs.js'
import { utf8Bytes } from '../encoding.js'
import { TidingsError, isTidingsError } from '../errors.js'
import { redactText } from '../server/redact.js'
import type { Topic, TopicParams } from '../topic/template.js'
import type { PublishOptions, Timers } from './types.js'
import type { EntryRequest } from './subscriber.js'

/** The MQTT 5 user property that marks an error reply; its value is the responder's message. */
export const ERROR_PROPERTY = 'tidings-error'

/** Longest responder message carried in an error reply or a REQUEST_FAILED error. */
export const MAX_FAILURE_TEXT = 200

/** What request() and respond() need from the client. */
export interface RequestHost {
  readonly protocolVersion: 4 | 5
  readonly timers: Timers
  readonly adapter: string
  /** Checks a topic name the client will subscribe to and publish on; throws INVALID_TOPIC. */
  checkTopic(name: string): void
  /** Fills the array with unpredictable bytes; throws UNSUPPORTED when the platform has no such source. */
  random(into: Uint8Array): void
  /** The reply topic the client asked for, if any. */
  readonly replyTopic: string | undefined
  publish(topic: Topic<string, Uint8Array>, params: object, payload: Uint8Array, options: PublishOptions): Promise<void>
  subscribe(request: EntryRequest): Promise<unknown>
  reportError(error: TidingsError): void
  onClose(listener: () => void): () => void
  closedError(): TidingsError
}

/** Passes bytes through: request and reply bodies are encoded by the definition's codecs first. */
const IDENTITY: Codec<Uint8Array> = { name: 'bytes', encode: (value) => value, decode: (payload) => payload }

/** The definition with an identity codec, for publishing bytes already encoded (and wrapped). */
export function wireTopic(def: Topic<string, unknown, unknown>): Topic<string, Uint8Array> {
  return { ...def, codec: IDENTITY, reply: undefined } as Topic<string, Uint8Array>
}

/** A one-name topic for a reply topic name, which never passes through a template. */
export function literalTopic(name: string): Topic<string, Uint8Array> {
  return {
    template: name,
    codec: IDENTITY,
    qos: 0,
    retain: false,
    params: [],
    name: () => name,
    filter: () => name,
    parse: (topicName) => (topicName === name ? ({} as TopicParams<string>) : undefined),
  }
}

/** Encodes a value with a codec into bytes; a failure becomes INVALID_PAYLOAD. */
export async function encodeBody<V>(codec: Codec<V>, value: V, topic: string): Promise<Uint8Array> {
  try {
    const encoded = await codec.encode(value)
    return typeof encoded === 'string' ? utf8Bytes(encoded) : encoded
  } catch (error) {
    throw payloadError(`failed to encode with ${codec.name}`, topic, error)
  }
}

/** Decodes bytes with a codec; a failure becomes INVALID_PAYLOAD. */
export async function decodeBody<V>(codec: Codec<V>, body: Uint8Array, what: string, topic: string): Promise<V> {
  try {
    return await codec.decode(body)
  } catch (error) {
    throw payloadError(`${what} failed to decode with ${codec.name}`, topic, error)
  }
}

function payloadError(what: string, topic: string, error: unknown): TidingsError {
  const reason = error instanceof Error ? error.message.replace(/^\[tidings\] /, '') : String(error)
  return new TidingsError('INVALID_PAYLOAD', `${what} on ${topic}: ${reason}`, { topic, cause: error })
}

/**
 * What a failed handler tells the requester: its message only (never a stack), with credentials
 * redacted and cut to {@link MAX_FAILURE_TEXT} characters.
 */
export function failureText(error: unknown): string {
  const message = isTidingsError(error)
    ? error.message.replace(/^\[tidings\](?: \[[^\]]*\])? /, '')
    : error instanceof Error
      ? error.message
      : typeof error === 'string'
        ? error
        : 'the handler failed'
  return redactText(message || 'the handler failed', MAX_FAILURE_TEXT)
}

/** Lower-case hex of bytes: the key of a correlation id. */
export function hex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16)
  return out
}

/** The platform's cryptographic random source, or undefined when it has none. Looked up per client. */
export function platformRandom(): ((into: Uint8Array) => void) | undefined {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (into: Uint8Array) => unknown } }).crypto
  const fill = crypto?.getRandomValues
  return typeof fill === 'function' ? (into) => void fill.call(crypto, into) : undefined
}
