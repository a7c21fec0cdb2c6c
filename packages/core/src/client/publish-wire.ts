import { Buffer } from 'buffer'
import { generate } from 'mqtt-packet'

/**
 * The bytes of the packets tidings writes itself: PUBLISH and PUBREL. MQTT.js stays the engine for
 * everything else; for publishes it deep-copied every packet (payload included) into a store tidings does
 * not need, allocated an id and a callback entry, and went through mqtt-packet's generic writer (a cork, a
 * tick and several `debug` calls per packet). Here a publish without properties is one buffer built in
 * place; one with MQTT 5 properties goes through mqtt-packet's `generate`, which knows every property.
 */

/** Payloads up to this size are copied behind the header, so the packet is one write instead of two. */
const INLINE_PAYLOAD_BYTES = 2048

/** The largest Remaining Length MQTT can express (four length bytes). */
const MAX_REMAINING_LENGTH = 268_435_455

/** What a PUBLISH is made of. */
export interface PublishFields {
  readonly topic: string
  readonly payload: string | Uint8Array
  readonly qos: 0 | 1 | 2
  readonly retain: boolean
  readonly properties: Record<string, unknown> | undefined
}

/** Where packets go: the connection's stream (`write` returns false once its buffer is full). */
export interface PacketSink {
  write(chunk: Uint8Array): boolean
  /**
   * Optional: room for a packet of `size` bytes in {@link joinedBytes}, where it is built in place and
   * counts as written: the offset, or -1 when the packet must go through `write`.
   */
  reserve?(size: number): number
  /** The buffer `reserve` gives room in. */
  readonly joinedBytes?: Buffer | undefined
  /** True once the sink's buffer is over its high-water mark (what `write` would have returned, negated). */
  readonly full?: boolean
}

/**
 * Writes the PUBLISH packet for `item`: one chunk, or header and payload apart when the payload is large.
 * `id` is ignored at QoS 0. Throws, before writing anything, on properties mqtt-packet cannot encode or a
 * packet MQTT cannot express. Returns what the stream's last `write` returned.
 */
export function writePublish(
  out: PacketSink,
  item: PublishFields,
  id: number,
  dup: boolean,
  protocolVersion: 4 | 5,
): boolean {
  const { topic, payload, qos, retain, properties } = item
  if (properties) {
    const body = typeof payload === 'string' ? payload : bufferView(payload)
    const packet = {
      cmd: 'publish',
      topic,
      payload: body,
      qos,
      retain,
      dup,
      messageId: id,
      properties: binaryAsBuffers(properties),
    } as const
    return out.write(generate(packet, { protocolVersion }))
  }
  const topicLength = Buffer.byteLength(topic)
  const payloadLength = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength
  // Topic length field, topic, packet id at QoS 1/2, and MQTT 5's empty property list.
  const variable = 2 + topicLength + (qos > 0 ? 2 : 0) + (protocolVersion === 5 ? 1 : 0)
  let remaining = variable + payloadLength
  if (remaining > MAX_REMAINING_LENGTH) throw new RangeError('PUBLISH too large for MQTT')
  const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4
  const inline = payloadLength <= INLINE_PAYLOAD_BYTES
  const headerSize = 1 + lengthBytes + variable
  const size = inline ? headerSize + payloadLength : headerSize
  // Built where it will leave from when the sink has room for it, else in a buffer of its own.
  const start = inline && out.reserve ? out.reserve(size) : -1
  const buf = start < 0 ? Buffer.allocUnsafe(size) : out.joinedBytes!
  let at = Math.max(start, 0)
  buf[at++] = 0x30 | (dup && qos > 0 ? 8 : 0) | (qos << 1) | (retain ? 1 : 0)
  do {
    const low = remaining % 128
    remaining = (remaining - low) / 128
    buf[at++] = remaining > 0 ? low | 128 : low
  } while (remaining > 0)
  buf[at++] = topicLength >> 8
  buf[at++] = topicLength & 255
  at += buf.write(topic, at)
  if (qos > 0) {
    buf[at++] = id >> 8
    buf[at++] = id & 255
  }
  if (protocolVersion === 5) buf[at++] = 0
  if (!inline) {
    out.write(buf)
    return out.write(typeof payload === 'string' ? Buffer.from(payload) : payload)
  }
  if (typeof payload === 'string') buf.write(payload, at)
  else buf.set(payload, at)
  return start < 0 ? out.write(buf) : !out.full
}

/** A PUBREL with reason code 0 (MQTT 5 lets the code and properties be left out when both are empty). */
export function pubrelPacket(id: number): Uint8Array {
  return Uint8Array.of(0x62, 2, id >> 8, id & 255)
}

function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * mqtt-packet copies binary properties with `Buffer#copy`, which a plain Uint8Array (what a browser, a
 * mini-program or `request()` gives) lacks: those become Buffer views over the same bytes.
 */
function binaryAsBuffers(properties: Record<string, unknown>): Record<string, unknown> {
  const { correlationData, authenticationData } = properties
  if (!(correlationData instanceof Uint8Array) && !(authenticationData instanceof Uint8Array)) return properties
  const out = { ...properties }
  if (correlationData instanceof Uint8Array) out.correlationData = bufferView(correlationData)
  if (authenticationData instanceof Uint8Array) out.authenticationData = bufferView(authenticationData)
  return out
}
