import { Buffer } from 'buffer'
import type { BrokerProfile } from '../contracts.js'
import { TidingsError } from '../errors.js'
import { assertTopicFilter, assertTopicName } from '../topic/validate.js'

/**
 * What the broker profile allows, checked before anything is queued or sent: pure functions of the
 * profile and the request, each throwing the TidingsError the caller would get.
 */

/** A topic name and options valid for publishing to this broker. */
export function checkPublish(broker: BrokerProfile, name: string, qos: 0 | 1 | 2, retain: boolean): void {
  const { capabilities, validateTopic } = broker
  // `$` topics are broker-specific (Aliyun's `$SYS/…`); the profile's own check decides about them.
  if (name.charCodeAt(0) !== 36 /* $ */) assertTopicName(name)
  validateTopic?.(name, 'publish')
  if (qos === 2 && !capabilities.qos2)
    throw new TidingsError('UNSUPPORTED', `${broker.name} does not support QoS 2`, {
      adapter: broker.name,
      topic: name,
    })
  if (retain && !capabilities.retain)
    throw new TidingsError('UNSUPPORTED', `${broker.name} does not support retained messages`, {
      adapter: broker.name,
      topic: name,
    })
}

/** The size of a payload (or topic) on the wire, in bytes. */
export function byteSize(value: string | Uint8Array): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.byteLength
}

/** A payload within the broker's size limit. */
export function checkPayloadSize(broker: BrokerProfile, topicName: string, payload: string | Uint8Array): void {
  const max = broker.capabilities.maxPayloadBytes
  if (max === undefined) return
  const size = byteSize(payload)
  if (size > max)
    throw new TidingsError('PAYLOAD_TOO_LARGE', `payload of ${size} bytes exceeds ${broker.name}'s limit of ${max}`, {
      adapter: broker.name,
      topic: topicName,
    })
}

/**
 * The filter and QoS subscribed to: checked and `$share/…` prefixed. QoS 2 on a broker without it is
 * refused with UNSUPPORTED, as a QoS 2 publish is: lowering it silently would promise exactly-once delivery
 * the broker does not give.
 */
export function subscriptionFilter(
  broker: BrokerProfile,
  filter: string,
  qos: 0 | 1 | 2,
  share: string | undefined,
): { mqttFilter: string; qos: 0 | 1 | 2 } {
  const { capabilities, validateTopic } = broker
  if (filter.charCodeAt(0) !== 36 /* $ */ || share !== undefined) assertTopicFilter(filter)
  validateTopic?.(filter, 'subscribe')
  if (qos === 2 && !capabilities.qos2)
    throw new TidingsError('UNSUPPORTED', `${broker.name} does not support QoS 2; subscribe with { qos: 1 }`, {
      adapter: broker.name,
      topic: filter,
    })
  if (share === undefined) return { mqttFilter: filter, qos }
  if (!capabilities.sharedSubscriptions)
    throw new TidingsError('UNSUPPORTED', `${broker.name} does not support shared subscriptions`, {
      adapter: broker.name,
    })
  if (!/^[^/+#]+$/.test(share))
    throw new TidingsError('INVALID_TOPIC', `share group ${JSON.stringify(share)} must be one level without / + #`)
  return { mqttFilter: `$share/${share}/${filter}`, qos }
}

/** One more broker subscription within the profile's per-client limit. */
export function checkSubscriptionQuota(broker: BrokerProfile, filter: string, held: number): void {
  const max = broker.capabilities.maxSubscriptions
  if (max !== undefined && held >= max)
    throw new TidingsError('QUOTA_EXCEEDED', `${broker.name} allows at most ${max} subscriptions per client`, {
      adapter: broker.name,
      topic: filter,
    })
}

/**
 * The MQTT version the client is held to: the one asked for, else the profile's pin, else 4 for a broker
 * without MQTT 5. Undefined: negotiate (5 first, then 3.1.1).
 */
export function pinnedVersion(broker: BrokerProfile, asked: 4 | 5 | undefined): 4 | 5 | undefined {
  const version = asked ?? broker.protocolVersion ?? (broker.capabilities.mqtt5 ? undefined : 4)
  if (version === 5 && !broker.capabilities.mqtt5)
    throw new TidingsError('UNSUPPORTED', `${broker.name} does not speak MQTT 5; use protocolVersion 4`, {
      adapter: broker.name,
    })
  return version
}

/** A will message only where the broker supports one. */
export function checkWill(broker: BrokerProfile, hasWill: boolean): void {
  if (hasWill && !broker.capabilities.will)
    throw new TidingsError('UNSUPPORTED', `${broker.name} does not support will messages`, { adapter: broker.name })
}
