// MQTT.js's handler of AUTH packets, left out: tidings never asks for MQTT 5 enhanced authentication (it
// sends no Authentication Method in CONNECT), so every AUTH a broker sends is a protocol error (MQTT 5
// §4.12). This stand-in does what MQTT.js's handler does in that case: it drops the packets parsed after
// it, ends the connection and reports the error (which tidings reports as PROTOCOL_ERROR).
// MQTT.js loads it through TypeScript's `__importDefault`, which takes `default` only from an ES module.
Object.defineProperty(exports, '__esModule', { value: true })
exports.default = function handleAuth(client, _packet, pump) {
  if (pump) pump.discardParsedPackets()
  if (!pump || pump.isCurrent()) client._cleanUp(true)
  const error = new Error('Protocol error: Auth packet received but enhanced authentication was not requested')
  error.code = 130
  client.emit('error', error)
}
