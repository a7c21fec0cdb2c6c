// MQTT.js imports worker-timers for `timerVariant: 'auto'`; tidings always asks for native timers, and
// mini-programs have no Worker/Blob URLs, so the worker implementation (~30 KB) is left out. The
// platform's timers are looked up at call time (the local names differ so they are not shadowed).
const nativeSetTimeout = (fn, ms) => setTimeout(fn, ms)
const nativeClearTimeout = (id) => clearTimeout(id)
const nativeSetInterval = (fn, ms) => setInterval(fn, ms)
const nativeClearInterval = (id) => clearInterval(id)

export {
  nativeSetTimeout as setTimeout,
  nativeClearTimeout as clearTimeout,
  nativeSetInterval as setInterval,
  nativeClearInterval as clearInterval,
}
