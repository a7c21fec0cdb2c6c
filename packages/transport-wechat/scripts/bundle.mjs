// Builds miniprogram_dist/index.js: one CommonJS file with core, the four transports and the broker
// profiles, for mini-programs (WeChat 构建 npm copies it as-is). ES2015, no Node built-ins, no globals
// read at load time beyond what every mini-program has.
import { build } from 'esbuild'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { browserBundleOptions } from '../../core/build/browser-bundle.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const shim = (name) => join(root, 'scripts', 'shims', `${name}.js`)
const shared = browserBundleOptions()

/**
 * readable-stream's message formatter destructures a rest parameter (`function (...[_unused, type])`),
 * ES2016 syntax esbuild leaves as it is at target es2015; the plain parameters mean the same.
 */
const es2015ReadableStream = {
  name: 'es2015-readable-stream',
  setup(b) {
    b.onLoad({ filter: /readable-stream[\\/]lib[\\/]ours[\\/]util[\\/]inspect\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      return { contents: source.replace('function (...[_unused, type])', 'function (_unused, type)'), loader: 'js' }
    })
  },
}

export async function bundle({
  minify = true,
  outfile = join(root, 'miniprogram_dist', 'index.js'),
  write = true,
} = {}) {
  return build({
    entryPoints: [join(root, 'src', 'miniprogram.ts')],
    outfile,
    write,
    bundle: true,
    platform: 'browser',
    format: 'cjs',
    target: 'es2015',
    minify,
    metafile: true,
    legalComments: 'none',
    // Workspace packages are bundled from their sources, so the bundle never lags behind a stale build.
    conditions: ['tidings-source', 'browser', 'import', 'default'],
    // The same stand-ins as core's browser build, plus the globals a mini-program may lack.
    mainFields: shared.mainFields,
    alias: shared.alias,
    inject: [...shared.inject, shim('globals')],
    plugins: [...shared.plugins, es2015ReadableStream],
    logLevel: 'warning',
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await bundle()
  const out = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('index.js'))
  console.log(`miniprogram_dist/index.js: ${out ? out[1].bytes : '?'} bytes`)
}
