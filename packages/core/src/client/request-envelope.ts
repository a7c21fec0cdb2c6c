import { utf8, utf8Bytes } from '../encoding.js'

/**
 * The MQTT 3.1.1 request/response convention. MQTT 3.1.1 has no Response Topic or Correlation Data, so
 * on 3.1.1 both travel in the payload, ahead of the codec's bytes (carried untouched, so any codec works,
 * binary ones included). The format is documented byte for byte in the core README ("On the wire"), so a
 * responder written without tidings can implement it.
 *
 * Request:  `00 54 52 51` ("\0TRQ") · version `01` · correlation length N (1–255) · N bytes ·
 *           reply topic length L (2 bytes, big-endian, 1–65535) · L bytes of UTF-8 · request body.
 * Reply:    `00 54 52 50` ("\0TRP") · version `01` · status (`00` ok, `01` error) · correlation length N ·
 *           N bytes · body (the reply codec's bytes; for an error, the message as UTF-8).
 */

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

const REQUEST = 0x51
const REPLY = 0x50

/** Wraps a request body. The correlation is 1–255 bytes and the reply topic 1–65535 bytes of UTF-8. */
export function wrapRequest(correlation: Uint8Array, replyTopic: string, body: Uint8Array): Uint8Array {
  const topic = utf8Bytes(replyTopic)
  const lengths = [topic.length >> 8, topic.length & 0xff]
  return join([0, 0x54, 0x52, REQUEST, 1, correlation.length], correlation, lengths, topic, body)
}

/** Wraps a reply body; an error reply carries the message instead of a body. */
export function wrapReply(correlation: Uint8Array, body: Uint8Array, error?: string): Uint8Array {
  const failed = error !== undefined
  const head = [0, 0x54, 0x52, REPLY, 1, failed ? 1 : 0, correlation.length]
  return join(head, correlation, failed ? utf8Bytes(error) : body)
}

/**
 * Reads a request envelope; `undefined` when the payload is not one (a plain publish, a truncated or
 * malformed envelope, or a reply topic that is not a topic name: ill-formed UTF-8, a wildcard, NUL).
 */
export function unwrapRequest(payload: Uint8Array): RequestFrame | undefined {
  const n = payload[5] ?? 0
  const at = 6 + n
  if (!isHead(payload, REQUEST) || n === 0 || at + 2 > payload.length) return undefined
  const end = at + 2 + ((payload[at]! << 8) | payload[at + 1]!)
  if (end === at + 2 || end > payload.length) return undefined
  const replyTopic = utf8(payload.subarray(at + 2, end))
  if (['\uFFFD', '+', '#', '\u0000'].some((c) => replyTopic.includes(c))) return undefined
  return { correlation: payload.subarray(6, at), replyTopic, body: payload.subarray(end) }
}

/** Reads a reply envelope; `undefined` when the payload is not one. */
export function unwrapReply(payload: Uint8Array): ReplyFrame | undefined {
  const status = payload[5]
  const n = payload[6] ?? 0
  const at = 7 + n
  if (!isHead(payload, REPLY) || (status !== 0 && status !== 1) || n === 0 || at > payload.length) return undefined
  const correlation = payload.subarray(7, at)
  const body = payload.subarray(at)
  return status === 1 ? { correlation, body, error: utf8(body) } : { correlation, body }
}

/** The marker `00 54 52 <kind>` and version `01`. */
function isHead(payload: Uint8Array, kind: number): boolean {
  return payload[0] === 0 && payload[1] === 0x54 && payload[2] === 0x52 && payload[3] === kind && payload[4] === 1
}

function join(...parts: ArrayLike<number>[]): Uint8Array {
  let size = 0
  for (const part of parts) size += part.length
  const out = new Uint8Array(size)
  size = 0
  for (const part of parts) {
    out.set(part, size)
    size += part.length
  }
  return out
}
