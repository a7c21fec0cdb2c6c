/**
 * `@tidings/devbroker`: an embedded MQTT broker for demos, local development and tests, able to
 * emulate EMQX and Aliyun authentication so their adapters run without cloud accounts.
 *
 * @module
 */
export { startDevBroker, type DevBroker, type DevBrokerOptions } from './broker.js'
export type { AuthResult, BrokerEmulation, EmulationHost } from './emulation.js'
