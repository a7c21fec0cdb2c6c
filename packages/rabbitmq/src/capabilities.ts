import { TidingsError, type BrokerCapabilities, type TransportScheme } from '@tidings/core'

/**
 * RabbitMQ's default ports: 1883/8883 for the MQTT plugin, and the Web MQTT plugin's 15675 (ws) and
 * 15676 (wss, once `web_mqtt.ssl.*` is configured), both serving at `/ws`.
 */
export const RABBITMQ_PORTS: Readonly<Record<TransportScheme, number>> = {
  mqtt: 1883,
  mqtts: 8883,
  ws: 15675,
  wss: 15676,
}

/** The Web MQTT plugin's default path (`web_mqtt.ws_path`). */
export const RABBITMQ_WS_PATH = '/ws'

/** What a RabbitMQ node can do, with the one fact core's flags cannot express. */
export interface RabbitmqCapabilities extends BrokerCapabilities {
  /**
   * `'node'`: a retained message lives on the node that received it. A subscriber connected to another
   * cluster node does not get it (measured on a 3.10 cluster), and a wildcard subscription never gets
   * retained messages at all.
   */
  readonly retainScope: 'node'
}

/** A RabbitMQ server version as `[major, minor]`. */
export type RabbitmqVersion = readonly [major: number, minor: number]

/** Parses `'3.10'`, `'3.13.7'` or `'4'`; anything else is INVALID_OPTIONS. */
export function parseVersion(version: string): RabbitmqVersion {
  const match = typeof version === 'string' ? /^(\d{1,3})(?:\.(\d{1,3}))?(?:\.\d{1,3})?$/.exec(version) : null
  if (!match) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `rabbitmq: version must be a RabbitMQ server version such as '3.13', got ${JSON.stringify(version)}`,
      { adapter: 'rabbitmq' },
    )
  }
  return [Number(match[1]), Number(match[2] ?? 0)]
}

/** True when `version` is `major.minor` or later. */
export function atLeast(version: RabbitmqVersion, major: number, minor: number): boolean {
  return version[0] > major || (version[0] === major && version[1] >= minor)
}

/**
 * Capabilities by server version:
 * - MQTT 5 from 3.13 (earlier nodes close the socket on an MQTT 5 CONNECT);
 * - QoS 2 never: RabbitMQ grants and delivers QoS 1 while a QoS 2 publish still completes as if it held;
 * - `$share/` from 4.0 (3.x grants the subscription, then delivers to no member);
 * - message size: `max_message_size` defaults to 128 MiB before 4.0 (134,217,728 in 3.10's `rabbit.app`)
 *   and 16 MiB from 4.0. The MQTT plugin's own `mqtt.max_packet_size_authenticated` (3.12+) defaults to
 *   MQTT's maximum of 268,435,455 bytes, so `max_message_size` is the limit that binds; 3.10 has no MQTT
 *   packet limit of its own.
 */
export function capabilitiesFor(version: RabbitmqVersion, mqtt5: boolean): RabbitmqCapabilities {
  return Object.freeze({
    mqtt5,
    qos2: false,
    retain: true,
    retainScope: 'node',
    will: true,
    sharedSubscriptions: atLeast(version, 4, 0),
    maxPayloadBytes: atLeast(version, 4, 0) ? 16 * 1024 * 1024 : 128 * 1024 * 1024,
  })
}
