// MQTT.js imports worker-timers for `timerVariant: 'auto'`; tidings always asks for native timers, so the
// worker-based implementation (and its ~30 KB) is replaced by the platform's own functions.
import { globalObject } from './global.js'

export const setTimeout = (fn, ms) => globalObject.setTimeout(fn, ms)
export const clearTimeout = (id) => globalObject.clearTimeout(id)
export const setInterval = (fn, ms) => globalObject.setInterval(fn, ms)
export const clearInterval = (id) => globalObject.clearInterval(id)
