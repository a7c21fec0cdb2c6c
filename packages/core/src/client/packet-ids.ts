import type { IClientOptions } from 'mqtt'

type IdProvider = NonNullable<IClientOptions['messageIdProvider']>

/**
 * Packet identifiers, split in two ranges so the two owners never meet: the outbox numbers QoS 1/2
 * publishes from 1 to {@link PUBLISH_IDS} and keeps each number until the publish is finished, across
 * connections (a resumed session resends with the original number, MQTT 3.1.1 §4.4, 5.0 §4.4); MQTT.js
 * numbers SUBSCRIBE/UNSUBSCRIBE from the rest, per connection. An acknowledgement in the publish range is
 * therefore never one MQTT.js is waiting for: it logs it as unknown and leaves it to tidings.
 */

/** The highest packet identifier of a publish; the 1,024 above it are SUBSCRIBE/UNSUBSCRIBE's. */
export const PUBLISH_IDS = 64_511

/** The lowest SUBSCRIBE/UNSUBSCRIBE packet identifier. */
const FIRST_CONTROL_ID = PUBLISH_IDS + 1

/**
 * MQTT.js's identifiers for SUBSCRIBE/UNSUBSCRIBE of one connection, cycling above the publish range. Like
 * MQTT.js's own default it keeps no record of ids in use: 1,024 SUBSCRIBE/UNSUBSCRIBE awaiting their ack
 * at once would be needed for one to meet another.
 */
export class ControlIds implements IdProvider {
  private last = 0

  allocate(): number {
    this.last = this.last >= FIRST_CONTROL_ID && this.last < 65_535 ? this.last + 1 : FIRST_CONTROL_ID
    return this.last
  }

  getLastAllocated(): number | null {
    return this.last || null
  }

  register(id: number): boolean {
    return id >= FIRST_CONTROL_ID
  }

  deallocate(): void {}

  clear(): void {}
}
