/**
 * `@tidings/mosquitto`: the broker profile for Eclipse Mosquitto 2.x.
 * Server-side helpers (dynamic security, publisher, config) live in `@tidings/mosquitto/server`.
 *
 * @module
 */
export { mosquitto, MOSQUITTO_MAX_PAYLOAD_BYTES, MOSQUITTO_PORTS, type MosquittoOptions } from './profile.js'
