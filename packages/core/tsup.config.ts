import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.preset.js'
// @ts-expect-error: a plain .mjs build helper without type declarations
import { browserBundleOptions } from './build/browser-bundle.mjs'
// @ts-expect-error: a plain .mjs build helper without type declarations
import { BUNDLED, nodeBundleOptions } from './build/node-bundle.mjs'

const browser = browserBundleOptions() as {
  alias: Record<string, string>
  inject: string[]
  plugins: never[]
  mainFields: string[]
}
const node = nodeBundleOptions() as { alias: Record<string, string>; plugins: never[]; esmBanner: string }

export default defineConfig([
  // Packaging decision: @tidings/core has no runtime `dependencies`. WeChat's 构建 npm (packNpm) collects
  // every package reachable through `dependencies` from what a mini-program lists and parses it with an
  // ES2019 parser; MQTT.js's tree (lru-cache, ip-address) fails it and its Node-flavoured packages would
  // fill the 2 MB main package. So every build bundles MQTT.js's client, mqtt-packet, readable-stream and
  // their dependencies (Node built-ins stay external), the declarations import nothing from them, and in a
  // mini-program `require('@tidings/core')` is the transport's bundle (the `miniprogram` folder).
  packageBuild(
    { index: 'src/index.ts', 'server/index': 'src/server/index.ts' },
    {
      platform: 'node',
      noExternal: BUNDLED,
      esbuildPlugins: node.plugins,
      esbuildOptions(options, { format }) {
        options.alias = node.alias
        if (format === 'esm') options.banner = { js: node.esmBanner }
      },
    },
  ),
  {
    // The browser condition: MQTT.js's client and its Node-flavoured dependencies bundled in, so an app's
    // bundler needs no Node polyfills and no `process`/`Buffer` globals exist at run time.
    entry: { 'browser/index': 'src/index.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2020',
    sourcemap: true,
    noExternal: BUNDLED,
    esbuildPlugins: browser.plugins,
    esbuildOptions(options) {
      options.alias = browser.alias
      options.inject = browser.inject
      options.mainFields = browser.mainFields
      options.conditions = ['browser', 'import', 'default']
    },
  },
])
