// MQTT.js logs through `debug`; in a browser bundle logging is off, so every logger is a no-op.
function createDebug() {
  const log = () => {}
  log.enabled = false
  log.extend = createDebug
  return log
}
createDebug.enable = () => {}
createDebug.disable = () => ''
createDebug.enabled = () => false
export default createDebug
