import { TidingsError, type ServerPublisher } from '@tidings/core'
import { defineServerPublisher } from '@tidings/core/server'
import { BROKER_NAME, validateAliyunTopic } from '../names.js'
import type { AliyunMqttApi } from './api.js'

/**
 * A {@link ServerPublisher} over SendMessage: pushes without an MQTT connection. Aliyun picks the QoS, so
 * `qos` is ignored; `retain` and `clearRetained` are refused with UNSUPPORTED (Aliyun has no retained
 * messages). Binary payloads must be valid UTF-8, since the API takes a string: Base64-encode other bytes
 * yourself.
 */
export function aliyunServerPublisher(api: AliyunMqttApi): ServerPublisher {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  return defineServerPublisher(async (topic, payload, opts) => {
    if (opts?.retain)
      throw new TidingsError(
        'UNSUPPORTED',
        payload.length === 0
          ? 'Aliyun has no retained messages, so there is none to clear'
          : 'Aliyun does not support retained messages',
        { adapter: BROKER_NAME, topic },
      )
    validateAliyunTopic(topic, 'publish')
    let text: string
    try {
      text = typeof payload === 'string' ? payload : decoder.decode(payload)
    } catch (cause) {
      throw new TidingsError('INVALID_PAYLOAD', 'SendMessage takes text: Base64-encode binary payloads', {
        adapter: BROKER_NAME,
        topic,
        cause,
      })
    }
    const { msgId } = await api.sendMessage({ topic, payload: text })
    return { id: msgId }
  })
}
