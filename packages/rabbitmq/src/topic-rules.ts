import { TidingsError } from '@tidings/core'

/**
 * RabbitMQ maps MQTT topics onto AMQP routing keys, where `/` becomes `.`; a `.` inside a topic level
 * comes back as a level separator (`user/ann.lee/inbox` is delivered as `user/ann/lee/inbox`). Such a
 * topic would silently reach the wrong subscribers, so it is refused before it is sent.
 */
export function validateRabbitmqTopic(topic: string, use: 'publish' | 'subscribe'): void {
  const at = topic.indexOf('.')
  if (at >= 0) {
    throw new TidingsError(
      'INVALID_TOPIC',
      `rabbitmq: '.' is not allowed in a topic (at index ${at}): RabbitMQ turns it into a level separator, ` +
        `so this ${use === 'publish' ? 'message would be delivered on a different topic' : 'filter would match other topics'}`,
      { adapter: 'rabbitmq', topic },
    )
  }
}
