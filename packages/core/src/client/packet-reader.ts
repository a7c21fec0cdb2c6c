import { Buffer } from 'buffer'
import { TidingsError } from '../errors.js'

/**
 * Frames the bytes a broker sends into packets, before MQTT.js's parser sees any of them. Two jobs:
 *
 * - **Guard.** Each fixed header is read as it arrives, so a packet announced larger than `maxPacketBytes`
 *   is refused at its header, without buffering its body, and so are the framing errors a parser would
 *   wait on (a reserved packet type, a remaining length over 4 bytes). MQTT 3.1.1 has no Maximum Packet
 *   Size to tell the broker, so this is the client's only defence there; on MQTT 5 the same limit is also
 *   sent in CONNECT.
 * - **Split.** The packets of the message path (PUBLISH, PUBACK, PUBREC, PUBCOMP, up to 64 KiB) are offered whole to
 *   {@link PacketRoutes.take}: usually as a view into the chunk they arrived in, without a copy. Everything
 *   else, and whatever `take` declines, goes on to MQTT.js in arrival order, byte for byte. MQTT.js parses
 *   each packet into an object through a buffer list and handles it in a tick of its own; for the packets
 *   that are most of the traffic, that was most of the client's work.
 */
export interface PacketRoutes {
  /**
   * A whole packet of the message path; its variable header starts at `bodyAt`. Returns false to hand it
   * to MQTT.js instead. `packet` views bytes that are never reused, so a view of its payload may be kept.
   */
  take(packet: Buffer, bodyAt: number): boolean
  /** Bytes for MQTT.js's parser: whole packets or, for a packet still arriving, the part that arrived. */
  forward(bytes: Buffer): void
  /** The chunk has been read: a place to write what its packets asked for at once. */
  chunkRead(): void
}

/**
 * Packets of the message path larger than this go to MQTT.js, streamed as they arrive instead of being
 * collected here: no packet is allocated whole from its header alone (the header is the broker's word).
 */
const COLLECT_LIMIT = 65_536

/** Packet types offered to `take`, as bits: PUBLISH (3), PUBACK (4), PUBREC (5), PUBCOMP (7). */
const TAKEN_TYPES = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 7)

export class PacketReader {
  /** The first bytes of a packet whose fixed header was cut by the end of a chunk. */
  private headerPart: Buffer | undefined
  /** A packet of the message path arriving over several chunks, and how much of it arrived. */
  private collecting: Buffer | undefined
  private collected = 0
  private collectingBodyAt = 0
  /** Bytes of a packet still to stream to MQTT.js as they arrive. */
  private streaming = 0
  private problem: TidingsError | undefined

  constructor(
    private readonly maxPacketBytes: number,
    private readonly protocolVersion: 4 | 5,
    private readonly adapter: string,
    private readonly routes: PacketRoutes,
  ) {}

  /** Reads the next chunk; returns the problem once the stream is no longer acceptable. */
  feed(input: Uint8Array): TidingsError | undefined {
    if (this.problem) return this.problem
    let chunk = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
    if (this.headerPart) {
      // At most 4 bytes wait here; the copy of the chunk happens once per cut header.
      chunk = Buffer.concat([this.headerPart, chunk])
      this.headerPart = undefined
    }
    const end = chunk.length
    let at = this.continuePacket(chunk)
    while (at < end) {
      const first = chunk[at]!
      const type = first >> 4
      // 0 is reserved in both versions; 15 (AUTH) exists only in MQTT 5.
      if (type === 0 || (type === 15 && this.protocolVersion === 4)) return this.fail(`packet type ${type}`)
      let remaining = 0
      let multiplier = 1
      let next = at + 1
      for (;;) {
        if (next === end) {
          this.headerPart = Buffer.from(chunk.subarray(at))
          this.routes.chunkRead()
          return undefined
        }
        const byte = chunk[next++]!
        remaining += (byte & 0x7f) * multiplier
        if ((byte & 0x80) === 0) break
        if (next - at === 5) return this.fail('remaining length longer than 4 bytes')
        multiplier *= 128
      }
      const size = next - at + remaining
      if (size > this.maxPacketBytes) {
        this.problem = new TidingsError(
          'PROTOCOL_ERROR',
          `${this.adapter} sent a packet of ${size} bytes, more than maxPacketBytes (${this.maxPacketBytes})`,
          { adapter: this.adapter },
        )
        return this.problem
      }
      // Over the limit, a packet goes to MQTT.js however it arrives, so where it goes does not depend on
      // how the network cut the stream.
      const taken = ((TAKEN_TYPES >> type) & 1) === 1 && size <= COLLECT_LIMIT
      if (at + size <= end) {
        const packet = chunk.subarray(at, at + size)
        if (!taken || !this.routes.take(packet, next - at)) this.routes.forward(packet)
        at += size
        continue
      }
      // The packet goes on in the next chunks.
      if (taken) {
        this.collecting = Buffer.allocUnsafe(size)
        this.collected = chunk.copy(this.collecting, 0, at)
        this.collectingBodyAt = next - at
      } else {
        this.routes.forward(chunk.subarray(at))
        this.streaming = size - (end - at)
      }
      break
    }
    this.routes.chunkRead()
    return undefined
  }

  /** Takes the start of `chunk` that belongs to a packet begun in an earlier chunk; returns where it ends. */
  private continuePacket(chunk: Buffer): number {
    if (this.streaming > 0) {
      const n = Math.min(this.streaming, chunk.length)
      this.streaming -= n
      this.routes.forward(chunk.subarray(0, n))
      return n
    }
    const packet = this.collecting
    if (!packet) return 0
    const n = chunk.copy(packet, this.collected, 0, Math.min(chunk.length, packet.length - this.collected))
    this.collected += n
    if (this.collected === packet.length) {
      this.collecting = undefined
      if (!this.routes.take(packet, this.collectingBodyAt)) this.routes.forward(packet)
    }
    return n
  }

  private fail(why: string): TidingsError {
    this.problem = new TidingsError('PROTOCOL_ERROR', `malformed packet from ${this.adapter}: ${why}`, {
      adapter: this.adapter,
    })
    return this.problem
  }
}
