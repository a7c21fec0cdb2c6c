import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'tsup'

const shim = (name: string): string => fileURLToPath(new URL(`./build/shims/${name}.js`, import.meta.url))

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'es2020',
  },
  {
    // The browser condition: MQTT.js's client and its Node-flavoured dependencies bundled in, so an app's
    // bundler needs no Node polyfills and no `process`/`Buffer` globals exist at run time.
    entry: { 'browser/index': 'src/index.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2020',
    sourcemap: true,
    noExternal: [/.*/],
    esbuildPlugins: [
      {
        name: 'mqtt-client-only',
        setup(build) {
          build.onResolve({ filter: /^mqtt$/ }, () => ({ path: shim('mqtt') }))
          // MQTT.js reads its whole package.json for a version string.
          build.onResolve({ filter: /package\.json$/ }, (args) =>
            args.importer.includes('/mqtt/') ? { path: 'mqtt-version', namespace: 'mqtt-version' } : undefined,
          )
          build.onLoad({ filter: /.*/, namespace: 'mqtt-version' }, async () => {
            const { version } = JSON.parse(await readFile(new URL(import.meta.resolve('mqtt/package.json')), 'utf8')) as { version: string }
            return { contents: JSON.stringify({ version }), loader: 'json' }
          })
        },
      },
    ],
    esbuildOptions(options) {
      options.alias = {
        'worker-timers': shim('worker-timers'),
        debug: shim('debug'),
        'abort-controller': shim('abort-controller'),
        'lru-cache': shim('lru-cache'),
      }
      options.inject = [shim('process')]
      options.mainFields = ['browser', 'module', 'main']
      options.conditions = ['browser', 'import', 'default']
    },
  },
])
