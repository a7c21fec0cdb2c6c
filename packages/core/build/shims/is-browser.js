// MQTT.js sniffs `window`/`self`/`navigator` at load to word a log line and to pick a timer for
// `timerVariant: 'auto'`. tidings strips the log lines and always asks for native timers, so the sniffing
// (which reads `navigator.userAgent` and `self.constructor` where they exist) has nothing to decide.
export const isWebWorker = false
export const isReactNativeBrowser = false
export default false
