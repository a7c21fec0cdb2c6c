import { TidingsError } from '../errors.js'

/**
 * Watches the bytes a broker sends, packet by packet, before MQTT.js parses them: it reads only each fixed
 * header (type and remaining length) and counts the body bytes through, so a packet announced larger than
 * `maxPacketBytes` is refused as soon as its header arrives, without buffering it. It also refuses the
 * framing errors a parser would otherwise wait on (a reserved packet type, a remaining length over 4
 * bytes). MQTT 3.1.1 has no Maximum Packet Size to tell the broker, so this is the client's only defence
 * there; on MQTT 5 the same limit is also sent in CONNECT.
 */
export interface PacketGuard {
  /** Takes the next chunk; returns the problem once the stream is no longer acceptable. */
  feed(chunk: Uint8Array): TidingsError | undefined
}

export function packetGuard(maxPacketBytes: number, protocolVersion: 4 | 5, adapter: string): PacketGuard {
  // Where we are in the current packet: its first byte, its length bytes, or its body.
  let phase: 'type' | 'length' | 'body' = 'type'
  let remaining = 0
  let multiplier = 1
  let lengthBytes = 0
  let bodyLeft = 0
  let problem: TidingsError | undefined

  const malformed = (why: string): TidingsError =>
    new TidingsError('PROTOCOL_ERROR', `malformed packet from ${adapter}: ${why}`, { adapter })

  return {
    feed(chunk) {
      if (problem) return problem
      let i = 0
      while (i < chunk.length) {
        if (phase === 'body') {
          const take = Math.min(bodyLeft, chunk.length - i)
          bodyLeft -= take
          i += take
          if (bodyLeft === 0) phase = 'type'
          continue
        }
        const byte = chunk[i++]!
        if (phase === 'type') {
          const type = byte >> 4
          // 0 is reserved in both versions; 15 (AUTH) exists only in MQTT 5.
          if (type === 0 || (type === 15 && protocolVersion === 4)) return (problem = malformed(`packet type ${type}`))
          phase = 'length'
          remaining = 0
          multiplier = 1
          lengthBytes = 0
          continue
        }
        remaining += (byte & 0x7f) * multiplier
        multiplier *= 128
        lengthBytes++
        if (byte & 0x80) {
          if (lengthBytes === 4) return (problem = malformed('remaining length longer than 4 bytes'))
          continue
        }
        const size = 1 + lengthBytes + remaining
        if (size > maxPacketBytes) {
          return (problem = new TidingsError(
            'PROTOCOL_ERROR',
            `${adapter} sent a packet of ${size} bytes, more than maxPacketBytes (${maxPacketBytes})`,
            { adapter },
          ))
        }
        bodyLeft = remaining
        phase = bodyLeft === 0 ? 'type' : 'body'
      }
      return undefined
    },
  }
}
