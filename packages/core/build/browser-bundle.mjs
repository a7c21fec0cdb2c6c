// esbuild settings shared by every prebuilt bundle of tidings (core's `browser` build, the mini-program
// bundle): MQTT.js's client without its transports, readable-stream without what nothing uses, and small
// stand-ins for the Node-flavoured dependencies, so bundles need no polyfills and read no Node globals.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const shims = join(dirname(fileURLToPath(import.meta.url)), 'shims')
const require = createRequire(import.meta.url)
export const shim = (file) => join(shims, file)

/** `import { MqttClient } from 'mqtt'` → MQTT.js's client module only (no TCP/TLS/ws transports). */
const mqttClientOnly = {
  name: 'mqtt-client-only',
  setup(build) {
    build.onResolve({ filter: /^mqtt$/ }, () => ({ path: shim('mqtt.js') }))
    // The outgoing topic alias table (with its LRU cache and id allocator) is never built for tidings.
    build.onResolve({ filter: /[\\/]topic-alias-send$/ }, (args) =>
      /[\\/]mqtt[\\/]/.test(args.importer) ? { path: shim('topic-alias-send.cjs') } : undefined,
    )
    // MQTT.js reads its whole package.json for a version string.
    build.onResolve({ filter: /package\.json$/ }, (args) =>
      /[\\/]mqtt[\\/]/.test(args.importer) ? { path: 'mqtt-version', namespace: 'mqtt-version' } : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'mqtt-version' }, async () => {
      const { version } = JSON.parse(await readFile(require.resolve('mqtt/package.json'), 'utf8'))
      return { contents: JSON.stringify({ version }), loader: 'json' }
    })
  },
}

/**
 * `readable-stream` without what tidings never uses: its entry also loads the stream operators, pipeline,
 * compose and web-stream helpers (~20 KB). MQTT.js, mqtt-packet's `bl` and core only use `Readable`,
 * `Writable` and `Duplex`; `Duplex.from` (duplexify) is left out.
 */
const slimReadableStream = {
  name: 'slim-readable-stream',
  setup(build) {
    build.onResolve({ filter: /^readable-stream$/ }, async (args) => {
      const pkg = await build.resolve('readable-stream/package.json', {
        kind: 'require-call',
        resolveDir: args.resolveDir,
      })
      return { path: pkg.path, namespace: 'slim-readable-stream' }
    })
    build.onLoad({ filter: /.*/, namespace: 'slim-readable-stream' }, (args) => ({
      contents: [
        "const Readable = require('./lib/internal/streams/readable.js')",
        "const Writable = require('./lib/internal/streams/writable.js')",
        "const Duplex = require('./lib/internal/streams/duplex.js')",
        "const { Stream } = require('./lib/internal/streams/legacy.js')",
        "const { Buffer } = require('buffer')",
        // Set by the package entry; Readable and Writable call them for Uint8Array chunks.
        'Stream._isUint8Array = (value) => value instanceof Uint8Array',
        'Stream._uint8ArrayToBuffer = (chunk) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)',
        'module.exports = Readable',
        'Object.assign(module.exports, { Readable, Writable, Duplex, Stream: Readable, default: Readable })',
      ].join('\n'),
      resolveDir: dirname(args.path),
      loader: 'js',
    }))
    // Its validators module holds Node's whole set; the stream classes call five (see the stand-in).
    build.onResolve({ filter: /^\.\.\/validators$/ }, (args) =>
      /readable-stream/.test(args.importer)
        ? { path: join(args.resolveDir, '..', 'validators.js'), namespace: 'stream-validators' }
        : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'stream-validators' }, async (args) => ({
      contents: await readFile(shim('stream-validators.cjs'), 'utf8'),
      resolveDir: dirname(args.path),
      loader: 'js',
    }))
    build.onResolve({ filter: /^\.\/duplexify$/ }, (args) =>
      /readable-stream/.test(args.importer) ? { path: 'duplexify', namespace: 'no-duplexify' } : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'no-duplexify' }, () => ({
      contents: "module.exports = function duplexify() { throw new Error('Duplex.from is not in this bundle') }",
      loader: 'js',
    }))
    build.onResolve({ filter: /^process\/?$/ }, () => ({ path: shim('process.js') }))
  },
}

/**
 * MQTT.js and mqtt-packet without their debug logging: about 190 calls such as `this.log('…', …)` or
 * `debug('…', …)`, each a statement of its own. In these bundles `debug` is the no-op stand-in and
 * tidings passes MQTT.js a no-op `log`, so the calls print nothing; they are turned into `void 0 && …`,
 * which the minifier removes with their message strings (about 10 KB minified).
 */
const noMqttLogging = {
  name: 'no-mqtt-logging',
  setup(build) {
    build.onLoad({ filter: /[\\/](mqtt[\\/]build[\\/]lib[\\/].*|mqtt-packet[\\/][^\\/]+)\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      return { contents: source.replace(/^(\s*)(this\.log|client\.log|debug)\(/gm, '$1void 0&&$2('), loader: 'js' }
    })
  },
}

/**
 * Dependencies' modules that tidings never reaches, replaced by stand-ins: each is only called for an
 * option nothing passes (a stream `encoding` or `signal`, `Readable.from`), or holds a decision tidings
 * already made (see the stand-ins' comments).
 */
const unusedModules = {
  name: 'unused-modules',
  setup(build) {
    const stub = (message) => `module.exports = function unused() { throw new Error(${JSON.stringify(message)}) }`
    build.onResolve({ filter: /^string_decoder\/?$/ }, () => ({ path: shim('string-decoder.js') }))
    build.onResolve({ filter: /^rfdc(\/default)?$/ }, () => ({ path: shim('rfdc.js') }))
    build.onResolve({ filter: /^\.\/is-browser$/ }, (args) =>
      /[\\/]mqtt[\\/]/.test(args.importer) ? { path: shim('is-browser.js') } : undefined,
    )
    build.onResolve({ filter: /^\.\/get-timer$/ }, (args) =>
      /[\\/]mqtt[\\/]/.test(args.importer) ? { path: shim('mqtt-get-timer.cjs') } : undefined,
    )
    build.onResolve({ filter: /^\.\/auth$/ }, (args) =>
      /[\\/]mqtt[\\/]build[\\/]lib[\\/]handlers[\\/]/.test(args.importer)
        ? { path: shim('mqtt-auth-handler.cjs') }
        : undefined,
    )
    // mqtt-packet's parser keeps its bytes in `bl()`, a BufferList that is also a Duplex stream; the parser
    // only uses the list, so it gets the list alone.
    build.onResolve({ filter: /^bl$/ }, (args) =>
      /mqtt-packet/.test(args.importer) ? { path: args.resolveDir, namespace: 'buffer-list-only' } : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'buffer-list-only' }, async (args) => {
      const list = await build.resolve('bl/BufferList.js', { kind: 'require-call', resolveDir: args.path })
      return {
        contents: `const BufferList = require(${JSON.stringify(list.path)})\nmodule.exports = function bl() { return new BufferList() }`,
        resolveDir: args.path,
        loader: 'js',
      }
    })
    build.onResolve({ filter: /^\.\/(from|add-abort-signal)$/ }, (args) =>
      /readable-stream/.test(args.importer) ? { path: args.path, namespace: 'unused-stream-helper' } : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'unused-stream-helper' }, (args) => ({
      contents:
        args.path === './from'
          ? stub('Readable.from is not in this bundle')
          : `exports.addAbortSignal = ${stub("a stream's signal option is not in this bundle").replace('module.exports = ', '')}`,
      loader: 'js',
    }))
  },
}

/** Aliases, injected globals and plugins for a tidings browser or mini-program bundle. */
export function browserBundleOptions() {
  return {
    alias: {
      'worker-timers': shim('worker-timers.js'),
      debug: shim('debug.cjs'),
      'abort-controller': shim('abort-controller.js'),
      'lru-cache': shim('lru-cache.js'),
      'process-nextick-args': shim('process-nextick-args.cjs'),
      'rfdc/default': shim('rfdc-default.cjs'),
    },
    inject: [shim('process.js'), shim('buffer-global.js')],
    plugins: [mqttClientOnly, slimReadableStream, noMqttLogging, unusedModules],
    mainFields: ['browser', 'module', 'main'],
  }
}
