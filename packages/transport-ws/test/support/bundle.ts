import { build, type Metafile } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url))

/** Sizes of a browser bundle, in bytes. */
export interface BundleSize {
  raw: number
  min: number
  gzip: number
}

/**
 * Bundles a browser app the way an app's bundler would: esbuild, `platform: 'browser'`, so
 * `@tidings/core` resolves through its `browser` condition to the prebundled browser build. The
 * transport comes from this package's source, which is what its build ships.
 */
export async function bundleApp(
  source: string,
  options: { minify: boolean; format?: 'esm' | 'iife' },
): Promise<{ code: Uint8Array; metafile: Metafile }> {
  const result = await build({
    stdin: { contents: source, resolveDir: PACKAGE_DIR, loader: 'ts', sourcefile: 'app.ts' },
    bundle: true,
    write: false,
    format: options.format ?? 'esm',
    ...(options.format === 'iife' ? { globalName: 'app' } : {}),
    platform: 'browser',
    target: 'es2020',
    minify: options.minify,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  })
  return { code: result.outputFiles[0]!.contents, metafile: result.metafile }
}

/** The app the size budget is about: it imports `createClient`, `topic`, `json` and `websocket`. */
export const BUDGET_APP = `
import { createClient, json, topic } from '@tidings/core'
import { websocket } from './src/index.ts'
export { createClient, json, topic, websocket }
`

export async function measure(source: string): Promise<BundleSize> {
  const [raw, min] = await Promise.all([bundleApp(source, { minify: false }), bundleApp(source, { minify: true })])
  return { raw: raw.code.byteLength, min: min.code.byteLength, gzip: gzipSync(min.code, { level: 9 }).byteLength }
}
