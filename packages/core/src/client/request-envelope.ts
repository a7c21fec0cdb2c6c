import { utf8, utf8Bytes } from '../encoding.js'

/**
 * The MQTT 3.1.1 request/response convention. MQTT 3.1.1 has no Response Topic or Correlation Data, so
 * on 3.1.1 both travel in the payload, ahead of the codec's bytes (which are carried untouched, so any
 * codec works, binary ones included). The format is documented byte for byte in the core README, so a
 * responder written without tidings can implement it.
 *
 * Request:  `00 54 52 51` ("\0TRQ") · version `01` · correlation length N (1 byte, 1–255) · N bytes ·
 *           reply topic length L (2 bytes, big-endian, 1–65535) · L bytes of UTF-8 · request body.
 * Reply:    `00 54 52 50` ("\0TRP") · version `01` · status (`00` ok, `01` error) · correlation length N ·
 *           N bytes · body (the reply codec's bytes; for an error, the message as UTF-8).
 */

const REQUEST = [0x00, 0x54, 0x52, 0x51, 0x01] as const
const REPLY = [0x00, 0x54, 0x52, 0x50, 0x01] as const

/** A request read from an envelope or from MQTT 5 properties. */
export interface RequestFrame {
  readonly correlation: Uint8Array
  readonly replyTopic: string
  readonly body: Uint8Array
}

/** A reply read from an envelope or from MQTT 5 properties; `error` is set on an error reply. */
export interface ReplyFrame {
  readonly correlation: Uint8Array
  readonly error?: string
  readonly body: Uint8Array
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  if (bytes.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false
  return true
}

/** Wraps a request body. The correlation is 1–255 bytes and the reply topic 1–65535 bytes of UTF-8. */
export function wrapRequest(correlation: Uint8Array, replyTopic: string, body: Uint8Array): Uint8Array {
  const topic = utf8Bytes(replyTopic)
  const out = new Uint8Array(REQUEST.length + 1 + correlation.length + 2 + topic.length + body.length)
  out.set(REQUEST, 0)
  let at = REQUEST.length
  out[at++] = correlation.length
  out.set(correlation, at)
  at += correlation.length
  out[at++] = topic.length >> 8
  out[at++] = topic.length & 0xff
  out.set(topic, at)
  out.set(body, at + topic.length)
  return out
}

/**
 * Reads a request envelope; `undefined` when the payload is not one (a plain publish, or a truncated or
 * malformed envelope, or a reply topic that is not a valid topic name).
 */
export function unwrapRequest(payload: Uint8Array): RequestFrame | undefined {
  if (!startsWith(payload, REQUEST)) return undefined
  let at = REQUEST.length
  const n = payload[at++] ?? 0
  if (n === 0 || at + n + 2 > payload.length) return undefined
  const correlation = payload.subarray(at, at + n)
  at += n
  const length = (payload[at]! << 8) | payload[at + 1]!
  at += 2
  if (length === 0 || at + length > payload.length) return undefined
  const topicBytes = payload.subarray(at, at + length)
  const replyTopic = utf8(topicBytes)
  // A reply topic is a topic name: well-formed UTF-8 (it must encode back to the same bytes), no wildcard.
  if (['\uFFFD', '+', '#', '\u0000'].some((c) => replyTopic.includes(c))) return undefined
  return { correlation, replyTopic, body: payload.subarray(at + length) }
}

/** Wraps a reply body; an error reply carries the message instead of a body. */
export function wrapReply(correlation: Uint8Array, body: Uint8Array, error?: string): Uint8Array {
  const content = error === undefined ? body : utf8Bytes(error)
  const out = new Uint8Array(REPLY.length + 2 + correlation.length + content.length)
  out.set(REPLY, 0)
  let at = REPLY.length
  out[at++] = error === undefined ? 0 : 1
  out[at++] = correlation.length
  out.set(correlation, at)
  out.set(content, at + correlation.length)
  return out
}

/** Reads a reply envelope; `undefined` when the payload is not one. */
export function unwrapReply(payload: Uint8Array): ReplyFrame | undefined {
  if (!startsWith(payload, REPLY)) return undefined
  let at = REPLY.length
  const status = payload[at++]
  const n = payload[at++] ?? 0
  if ((status !== 0 && status !== 1) || n === 0 || at + n > payload.length) return undefined
  const correlation = payload.subarray(at, at + n)
  const body = payload.subarray(at + n)
  return status === 0 ? { correlation, body } : { correlation, error: utf8(body), body }
}
