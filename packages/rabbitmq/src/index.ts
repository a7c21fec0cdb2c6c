/**
 * `@tidings/rabbitmq`: the broker profile for RabbitMQ's MQTT and Web MQTT plugins.
 *
 * @module
 */
export { rabbitmq, type RabbitmqNode, type RabbitmqOptions, type RabbitmqProfile } from './profile.js'
export {
  RABBITMQ_PORTS,
  RABBITMQ_WS_PATH,
  type RabbitmqCapabilities,
} from './capabilities.js'
