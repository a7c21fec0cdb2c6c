// A `process` for bundled dependencies (readable-stream, MQTT.js) that read it; nothing reads the
// real global, so apps need no process polyfill.
const defer =
  typeof queueMicrotask === 'function'
    ? queueMicrotask
    : (fn) => Promise.resolve().then(fn)

export const process = {
  env: {},
  argv: [],
  version: '',
  versions: {},
  platform: 'browser',
  browser: true,
  title: 'browser',
  nextTick(fn, ...args) {
    defer(() => fn(...args))
  },
  emitWarning() {},
  cwd: () => '/',
}
export default process
