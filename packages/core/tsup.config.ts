import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.preset.js'
// @ts-expect-error: a plain .mjs build helper without type declarations
import { browserBundleOptions } from './build/browser-bundle.mjs'

const browser = browserBundleOptions() as {
  alias: Record<string, string>
  inject: string[]
  plugins: never[]
  mainFields: string[]
}

export default defineConfig([
  packageBuild({ index: 'src/index.ts', 'server/index': 'src/server/index.ts' }),
  {
    // The browser condition: MQTT.js's client and its Node-flavoured dependencies bundled in, so an app's
    // bundler needs no Node polyfills and no `process`/`Buffer` globals exist at run time.
    entry: { 'browser/index': 'src/index.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2020',
    sourcemap: true,
    noExternal: [/.*/],
    esbuildPlugins: browser.plugins,
    esbuildOptions(options) {
      options.alias = browser.alias
      options.inject = browser.inject
      options.mainFields = browser.mainFields
      options.conditions = ['browser', 'import', 'default']
    },
  },
])
