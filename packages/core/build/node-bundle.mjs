// esbuild settings for core's Node builds (ESM and CommonJS). @tidings/core ships with no runtime
// `dependencies`: WeChat's 构建 npm walks the `dependencies` of every package a mini-program lists and
// fails on any modern syntax it reaches (mqtt → lru-cache, ip-address), so MQTT.js's client, mqtt-packet,
// readable-stream and what they use are bundled into core's dist. Node built-ins stay external.
import { browserBundleOptions, shim } from './browser-bundle.mjs'

/** readable-stream asks for the npm `process` polyfill (`require('process/')`); Node has the real one. */
const nodeProcess = {
  name: 'node-process',
  setup(build) {
    build.onResolve({ filter: /^process\/$/ }, () => ({ path: shim('node-process.cjs') }))
  },
}

/** Every bare import bundled: core's published manifest lists no runtime dependencies. */
export const BUNDLED = [/.*/]

/**
 * Aliases and plugins for the Node builds: MQTT.js's client module only (core never opens its TCP, TLS,
 * WebSocket or SOCKS transports; the transports packages do that), and the same stand-ins as the browser
 * build for what core's use of MQTT.js never reaches (worker timers, `debug`, whose loggers core silences).
 * Unlike the browser build nothing is injected: Node has `process` and `Buffer`, and `buffer`,
 * `events`, `string_decoder` resolve to Node's own modules.
 */
export function nodeBundleOptions() {
  const browser = browserBundleOptions()
  return {
    alias: {
      'worker-timers': browser.alias['worker-timers'],
      debug: browser.alias.debug,
    },
    plugins: [
      ...browser.plugins.filter((plugin) => plugin.name === 'mqtt-client-only' || plugin.name === 'no-mqtt-logging'),
      nodeProcess,
    ],
    // An ES module has no `require`, but the bundled CommonJS code requires Node built-ins.
    esmBanner:
      "import { createRequire as __tidingsCreateRequire } from 'node:module';\nconst require = __tidingsCreateRequire(import.meta.url);",
  }
}
