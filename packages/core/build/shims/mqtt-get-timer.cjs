// MQTT.js's choice of keep-alive timer, left out: tidings always passes `timerVariant: 'native'`
// (packages/core/src/client/mqtt-options.ts), so the Web Worker timers and the platform sniffing that
// picks them are never used.
const nativeTimer = {
  set: (func, time) => setInterval(func, time),
  clear: (timerId) => clearInterval(timerId),
}
// MQTT.js loads it through TypeScript's `__importDefault`, which takes `default` only from an ES module.
Object.defineProperty(exports, '__esModule', { value: true })
exports.default = function getTimer() {
  return nativeTimer
}
