// mqtt-packet defers `uncork` with process-nextick-args, a Node 0.x compatibility wrapper; the injected
// `process` stand-in already has a `nextTick` that passes arguments.
module.exports = { nextTick: (fn, ...args) => process.nextTick(fn, ...args) }
