import type { Codec } from '../codecs.js'
import { utf8Bytes } from '../encoding.js'
import { TidingsError } from '../errors.js'
import { redactText } from '../redact.js'
import type { Topic } from '../topic/template.js'
import type { EntryRequest } from './subscriber.js'
import type { PublishOptions, Timers } from './types.js'

/** The MQTT 5 user property that marks an error reply; its value is the responder's message. */
export const ERROR_PROPERTY = 'tidings-error'

/** What request() and respond() need from the client. */
export interface RequestHost {
  readonly protocolVersion: 4 | 5
  readonly timers: Timers
  readonly adapter: string
  /** The reply topic's subscription QoS: 2, or 1 where the broker has no QoS 2 (a QoS 2 subscribe is refused there). */
  readonly replyQos: 1 | 2
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

/**
 * A topic that publishes bytes already encoded: the definition with an identity codec, or (a string) a
 * reply topic name, which never passes through a template. Publishing reads only these fields.
 */
export function wireTopic(def: Topic<string, unknown, unknown> | string): Topic<string, Uint8Array> {
  if (typeof def !== 'string') return { ...def, codec: IDENTITY } as Topic<string, Uint8Array>
  return { template: def, codec: IDENTITY, params: [], name: () => def } as unknown as Topic<string, Uint8Array>
}

/** Encodes a value with a codec into bytes; a failure becomes INVALID_PAYLOAD. */
export async function encodeBody<V>(codec: Codec<V>, value: V, topic: string): Promise<Uint8Array> {
  try {
    const encoded = await codec.encode(value)
    return typeof encoded === 'string' ? utf8Bytes(encoded) : encoded
  } catch (error) {
    throw payloadError(topic, error)
  }
}

/** Decodes bytes with a codec; a failure becomes INVALID_PAYLOAD. */
export async function decodeBody<V>(codec: Codec<V>, body: Uint8Array, topic: string): Promise<V> {
  try {
    return await codec.decode(body)
  } catch (error) {
    throw payloadError(topic, error)
  }
}

function payloadError(topic: string, error: unknown): TidingsError {
  return new TidingsError('INVALID_PAYLOAD', `${topic}: ${messageOf(error)}`, { topic, cause: error })
}

/**
 * What a failed handler tells the requester, and what a requester shows of it: the message only (never a
 * stack), with credentials redacted, cut to 200 characters.
 */
export function failureText(error: unknown): string {
  return redactText(messageOf(error) || 'failed', 200)
}

/** An error's message without the `[tidings] [adapter]` prefix. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.replace(/^\[tidings\] (\[[^\]]*\] )?/, '') : String(error)
}

/** Lower-case hex of bytes: the key of a correlation id. */
export function hex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += (byte < 16 ? '0' : '') + byte.toString(16)
  return out
}

/** The platform's cryptographic random source, or undefined when it has none. */
export function platformRandom(): ((into: Uint8Array) => void) | undefined {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (into: Uint8Array) => unknown } }).crypto
  const fill = crypto?.getRandomValues
  return fill && ((into) => void fill.call(crypto, into))
}
