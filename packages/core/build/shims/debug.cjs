// MQTT.js and mqtt-packet log through `debug` (called as `require('debug')(name)`, so this shim is
// CommonJS); in a browser bundle logging is off and every logger is a no-op.
function createDebug() {
  const log = () => {}
  log.enabled = false
  log.extend = createDebug
  return log
}
createDebug.enable = () => {}
createDebug.disable = () => ''
createDebug.enabled = () => false
module.exports = createDebug
