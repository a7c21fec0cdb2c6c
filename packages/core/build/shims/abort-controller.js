// readable-stream falls back to the `abort-controller` package when the global is missing; its browser
// build reads `self`/`window` at load time, which throws in mini-programs. Use the platform's classes,
// or a minimal stand-in (streams only need `signal.aborted` and the abort event).
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
  removeEventListener(_type, listener) {
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

const PlatformController = typeof AbortController === 'function' ? AbortController : Controller
const PlatformSignal = typeof AbortSignal === 'function' ? AbortSignal : Signal

export { PlatformController as AbortController, PlatformSignal as AbortSignal }
export default PlatformController
