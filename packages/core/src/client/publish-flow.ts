import { PUBLISH_IDS } from './packet-ids.js'
import { type PacketSink, type PublishFields, pubrelPacket, writePublish } from './publish-wire.js'

/**
 * The QoS 1/2 publish exchange of one connection, done by tidings rather than MQTT.js: the outbox numbers
 * each publish (see packet-ids.ts), this writes it and matches PUBACK, PUBREC (answered with PUBREL) and
 * PUBCOMP to it. Nothing per publish is kept here: the publish itself records how far it got.
 */

/** How far a publish got on the wire. A publish the outbox made has none yet ({@link NEW}). */
export const NEW = 0
/** PUBLISH written on the current connection; waiting for PUBACK (QoS 1) or PUBREC (QoS 2). */
export const SENT = 1
/** QoS 2: PUBREC received and PUBREL written on the current connection; waiting for PUBCOMP. */
export const RELEASED = 2
/** Taken back after a lost connection with no answer to its PUBLISH: resent with DUP and its packet id. */
export const RESEND = 3
/** Taken back after a lost connection while its PUBREL was unanswered. */
export const RESEND_RELEASE = 4

/** The packet types of the acknowledgements a publish gets. */
export const PUBACK = 4
export const PUBREC = 5
export const PUBCOMP = 7
const ACK_NAMES: Record<number, string> = { [PUBACK]: 'puback', [PUBREC]: 'pubrec', [PUBCOMP]: 'pubcomp' }

/** One publish as the engine writes it. */
export interface WirePublish extends PublishFields {
  /** The packet identifier of a QoS 1/2 publish, set by the outbox before its first write. */
  id?: number
  /** How far the publish got on the wire (NEW when unset: a falsy stage is NEW). */
  stage?: number
}

/** What a connection needs from the store of publishes to answer acknowledgements. */
export interface PublishTracker {
  /** The publish with this packet id written on the current connection and not finished, if any. */
  pending(id: number): WirePublish | undefined
  /** The exchange of this publish ended: acknowledged (`failure` undefined) or refused by the broker. */
  finished(item: WirePublish, failure: Error | undefined): void
}

/** The publish exchange of one connection. */
export interface PublishFlow {
  /** QoS 1/2 publishes written on this connection whose exchange has not ended. */
  readonly unacked: number
  /**
   * Writes a publish. A QoS 1/2 publish carries its id; written before on a lost connection, it goes out
   * with DUP (MQTT 3.1.1 §3.3.1.1), and on a resumed session one whose PUBREC had arrived resumes with
   * PUBREL (§4.4). On a new session the broker forgot the exchange, so the PUBLISH itself is sent again:
   * a broker that holds a QoS 2 message until PUBREL (Mosquitto does) never delivered it.
   */
  write(item: WirePublish, tracker: PublishTracker | undefined): boolean
  /**
   * Handles a PUBACK, PUBREC or PUBCOMP ({@link PUBACK}, {@link PUBREC}, {@link PUBCOMP}) with its packet id
   * and reason code; acks of ids outside the publish range are ignored (MQTT.js never publishes).
   */
  answer(type: number, id: number, code: number): void
}

/**
 * The publish exchange of one connection writing to `out`; `resumed` says the broker resumed the session
 * (CONNACK sessionPresent), so unfinished QoS 2 publishes resume at PUBREL. `settled` runs whenever an exchange ended;
 * `violation` when the broker broke the protocol, which must end the connection (3.1.1 §4.8, 5.0 §4.13).
 */
export function publishFlow(
  out: PacketSink,
  protocolVersion: 4 | 5,
  resumed: boolean,
  settled: () => void,
  violation: (message: string) => void,
): PublishFlow {
  let tracker: PublishTracker | undefined
  const end = (item: WirePublish, failure: Error | undefined): void => {
    flow.unacked--
    tracker?.finished(item, failure)
    settled()
  }
  const flow = {
    unacked: 0,
    write(item: WirePublish, given: PublishTracker | undefined): boolean {
      const stage = item.stage
      if (item.qos === 0) return writePublish(out, item, 0, false, protocolVersion)
      tracker = given
      const id = item.id as number
      let written: boolean
      if (stage === RESEND_RELEASE && resumed) {
        written = out.write(pubrelPacket(id))
        item.stage = RELEASED
      } else {
        // Throws before anything is written when the publish cannot be encoded.
        written = writePublish(out, item, id, !!stage, protocolVersion)
        item.stage = SENT
      }
      flow.unacked++
      return written
    },
    answer(type: number, id: number, code: number): void {
      if (id > PUBLISH_IDS) return
      // Unknown or stale (its publish was taken back and not yet written again): ignored, as MQTT.js does.
      const item = tracker?.pending(id)
      if (!item) return
      if (type === PUBREC && item.qos === 2) {
        // A second PUBREC for an exchange at PUBREL changes nothing.
        if (item.stage !== SENT) return
        if (code >= 0x80) return end(item, ackFailure(code))
        item.stage = RELEASED
        out.write(pubrelPacket(id))
        return
      }
      if (type === PUBACK && item.qos === 1) return end(item, code >= 0x80 ? ackFailure(code) : undefined)
      // PUBCOMP's only failure code (0x92, identifier not found) follows a PUBREC: the broker has the message.
      if (type === PUBCOMP && item.qos === 2 && item.stage === RELEASED) return end(item, undefined)
      violation(`Protocol error: unexpected ${ACK_NAMES[type]} for packet id ${id}`)
    },
  }
  return flow
}

/** A refusal in the shape MQTT.js gives ack failures: an Error with the numeric reason code as `code`. */
export function ackFailure(code: number, what = 'Publish'): Error {
  return Object.assign(new Error(`${what} error: reason code ${code}`), { code })
}
