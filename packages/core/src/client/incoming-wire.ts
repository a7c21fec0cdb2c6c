import { Buffer } from 'buffer'

/**
 * Reading the packets of the message path (see packet-reader.ts): PUBLISH at QoS 0 and 1 without MQTT 5
 * properties, and the acknowledgements of tidings' own publishes. Anything else, or anything unusual
 * (QoS 2, properties, a packet id of 0, a length that does not add up), is declined with `undefined` and
 * goes to MQTT.js, which keeps its handling of it, errors included.
 */

/** A PUBLISH read here; also what a handler's message metadata is made from. */
export interface IncomingPublish {
  readonly topic: string
  /** A view into the received bytes, not a copy (as MQTT.js's parser gives it too). */
  readonly payload: Buffer
  readonly qos: 0 | 1
  readonly dup: boolean
  readonly retain: boolean
  /** The packet identifier at QoS 1; 0 at QoS 0. */
  readonly id: number
}

/** Reads a PUBLISH whose variable header starts at `at`, or declines it. */
export function readPublish(packet: Buffer, at: number, protocolVersion: 4 | 5): IncomingPublish | undefined {
  const first = packet[0]!
  const qos = (first >> 1) & 3
  const end = packet.length
  if (qos > 1 || at + 2 > end) return undefined
  const topicEnd = at + 2 + ((packet[at]! << 8) | packet[at + 1]!)
  let pos = topicEnd
  let id = 0
  if (qos === 1) {
    id = (packet[pos]! << 8) | packet[pos + 1]!
    pos += 2
    // 0 is not a packet id; it is also what a packet cut short reads as.
    if (id === 0) return undefined
  }
  // MQTT 5: only an empty property list (one zero byte) is read here.
  if (protocolVersion === 5 && packet[pos++] !== 0) return undefined
  if (pos > end) return undefined
  return {
    topic: packet.toString('utf8', at + 2, topicEnd),
    payload: packet.subarray(pos),
    qos: qos as 0 | 1,
    dup: (first & 8) !== 0,
    retain: (first & 1) !== 0,
    id,
  }
}

/**
 * The packet id and reason code of a PUBACK, PUBREC or PUBCOMP as `id + code * 65536` (MQTT 5 leaves the
 * code out when it is 0 and there are no properties, which are not needed here), or -1 to decline it.
 * One number, not an object: every acknowledgement of a QoS 1 stream passes here.
 */
export function readAck(packet: Buffer, at: number, protocolVersion: 4 | 5): number {
  const length = packet.length - at
  // The fixed header's flags are 0 for all three.
  if ((packet[0]! & 0x0f) !== 0 || length < 2 || (protocolVersion === 4 && length !== 2)) return -1
  return ((packet[at]! << 8) | packet[at + 1]!) + (length > 2 ? packet[at + 2]! : 0) * 65_536
}

/** PUBACKs with reason code 0 for the given packet ids, as one chunk. */
export function pubacks(ids: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(ids.length * 4)
  let at = 0
  for (const id of ids) {
    out[at++] = 0x40
    out[at++] = 2
    out[at++] = id >> 8
    out[at++] = id & 255
  }
  return out
}
