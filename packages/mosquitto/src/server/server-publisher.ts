import { Buffer } from 'node:buffer'
import { TidingsError, assertTopicName, type ServerPublisher, type ServerPublishResult } from '@tidings/core'
import { defineServerPublisher } from '@tidings/core/server'
import type { MqttClient, OnPacketCallback } from 'mqtt'
import { ADAPTER, publishError } from './errors.js'

/** Options of {@link mosquittoServerPublisher}. */
export interface MosquittoServerPublisherOptions {
  /** QoS when a publish names none. QoS 1 lets the broker confirm (or refuse) each message. @default 1 */
  qos?: 0 | 1 | 2
  /** Time allowed for the broker's acknowledgement (or, QoS 0, for the send). @default 10000 */
  timeoutMs?: number
}

/** Reason code of a PUBACK/PUBREC: "accepted, but no one is subscribed". */
const NO_MATCHING_SUBSCRIBERS = 0x10

/**
 * A {@link ServerPublisher} over a backend's own MQTT connection, for brokers without an HTTP publish API
 * (Mosquitto has none).
 *
 * `client` is an MQTT.js client, not a tidings client: a backend publishes to arbitrary concrete topics
 * with raw payloads, which is exactly MQTT.js's `publish`, and MQTT.js already reconnects on its own.
 * Open it with {@link connectMqtt} (or MQTT.js `connect`) as a user allowed to publish to your topics;
 * the dynsec admin account from `mosquitto_ctrl dynsec init` is not.
 *
 * Over MQTT 5 at QoS 1 or 2 a refused publish rejects with PUBLISH_DENIED, and `delivered` is false when
 * Mosquitto reports that no one was subscribed. Under MQTT 3.1.1 refusals are silent and `delivered` is
 * left out.
 *
 * @example
 * ```ts
 * const publisher = mosquittoServerPublisher(await connectMqtt({ url, username: 'backend', password }))
 * await publisher.publish('user/42/unread', '3', { retain: true })
 * ```
 */
export function mosquittoServerPublisher(
  client: MqttClient,
  options: MosquittoServerPublisherOptions = {},
): ServerPublisher {
  if (!client || typeof client.publish !== 'function' || typeof client.on !== 'function') {
    throw new TidingsError(
      'INVALID_OPTIONS',
      'mosquittoServerPublisher needs an MQTT.js client, e.g. from connectMqtt(…)',
      {
        adapter: ADAPTER,
      },
    )
  }
  const defaultQos = options.qos ?? 1
  const timeoutMs = options.timeoutMs ?? 10_000
  // MQTT.js resolves a publish without the acknowledgement's reason code, so the codes are read off the
  // incoming packets, by message id, while publishes of ours are in flight.
  const reasons = new Map<number, number>()
  let inFlight = 0
  const onPacket: OnPacketCallback = (packet) => {
    if ((packet.cmd === 'puback' || packet.cmd === 'pubrec') && typeof packet.messageId === 'number') {
      reasons.set(packet.messageId, packet.reasonCode ?? 0)
      // Others may publish on the same connection; keep only recent codes.
      if (reasons.size > 1024) reasons.delete(reasons.keys().next().value as number)
    }
  }

  return defineServerPublisher((topic, payload, opts) => {
    try {
      assertTopicName(topic)
    } catch (error) {
      return Promise.reject(error)
    }
    const qos = opts.qos ?? defaultQos
    const body =
      typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
    if (inFlight++ === 0) client.on('packetreceive', onPacket)
    return new Promise<ServerPublishResult>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new TidingsError('TIMEOUT', `publish to ${topic} not acknowledged within ${timeoutMs} ms`, {
              adapter: ADAPTER,
              topic,
            }),
          ),
        timeoutMs,
      )
      client.publish(topic, body, { qos, retain: opts.retain ?? false }, (error, packet) => {
        clearTimeout(timer)
        if (error) {
          reject(publishError(error, topic))
          return
        }
        const id = packet && 'messageId' in packet ? packet.messageId : undefined
        const reason = id === undefined ? undefined : reasons.get(id)
        if (id !== undefined) reasons.delete(id)
        resolve(
          qos > 0 && client.options.protocolVersion === 5 && reason !== undefined
            ? { delivered: reason !== NO_MATCHING_SUBSCRIBERS }
            : {},
        )
      })
    }).finally(() => {
      if (--inFlight === 0) {
        client.off('packetreceive', onPacket)
        reasons.clear()
      }
    })
  })
}
