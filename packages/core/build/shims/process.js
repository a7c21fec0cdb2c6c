// A `process` for bundled dependencies (readable-stream, MQTT.js) that read it, injected in place of the
// global and of `require('process/')`, so apps need no process polyfill and none is read at run time.
const defer = (fn) => {
  if (typeof queueMicrotask === 'function') queueMicrotask(fn)
  else Promise.resolve().then(fn)
}

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
