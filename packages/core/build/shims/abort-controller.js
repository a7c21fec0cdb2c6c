// readable-stream falls back to the `abort-controller` package when the global is missing; its browser
// build reads `self`/`window` at load time, which crashes in mini-programs. Use the platform's classes,
// or a minimal stand-in where there are none (streams only need `signal.aborted` and the event).
import { globalObject } from './global.js'

class Signal {
  constructor() {
    this.aborted = false
    this.reason = undefined
    this.onabort = null
    this._listeners = []
  }
  addEventListener(type, listener) {
    if (type === 'abort') this._listeners.push(listener)
  }
  removeEventListener(type, listener) {
    this._listeners = this._listeners.filter((l) => l !== listener)
  }
  throwIfAborted() {
    if (this.aborted) throw this.reason
  }
}

class Controller {
  constructor() {
    this.signal = new Signal()
  }
  abort(reason) {
    const signal = this.signal
    if (signal.aborted) return
    signal.aborted = true
    signal.reason = reason
    const event = { type: 'abort', target: signal }
    if (typeof signal.onabort === 'function') signal.onabort(event)
    for (const listener of signal._listeners.slice()) listener.call(signal, event)
  }
}

export const AbortController = globalObject.AbortController || Controller
export const AbortSignal = globalObject.AbortSignal || Signal
export default AbortController
