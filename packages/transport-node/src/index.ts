/**
 * `@tidings/transport-node`: MQTT over TCP (`tcp()`) and TLS (`tls()`) for Node.js backends and devices.
 *
 * @module
 */
export { tcp, type TcpOptions } from './tcp.js'
export { tls, type TlsOptions } from './tls.js'
