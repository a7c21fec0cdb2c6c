// Injected into the mini-program bundle on top of core's browser stand-ins: every free `globalThis` and
// `queueMicrotask` in bundled code (ours, MQTT.js, readable-stream) is replaced by these exports, so
// nothing depends on the runtime having them.
import { globalObject } from '../../../core/build/shims/global.js'

export { globalObject as globalThis }

// Names injected here cannot be read as free identifiers in this file (they would resolve to these very
// exports), so the platform's own version is looked up on the global object.
export const queueMicrotask =
  typeof globalObject.queueMicrotask === 'function'
    ? globalObject.queueMicrotask.bind(globalObject)
    : (fn) => {
        Promise.resolve().then(fn)
      }
