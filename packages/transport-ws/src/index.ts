/**
 * `@tidings/transport-ws`: MQTT over WebSocket, with the browser's native `WebSocket` or the `ws`
 * package injected in Node.
 *
 * @module
 */
export { websocket, type WebSocketTransportOptions } from './websocket.js'
export type { WebSocketConstructor } from './socket-types.js'
export { browserLifecycle, type BrowserWindowLike } from './browser-lifecycle.js'
