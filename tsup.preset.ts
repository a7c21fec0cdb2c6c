import type { Options } from 'tsup'

/**
 * The build every published package shares, so the packages cannot drift apart: ESM and CommonJS with
 * declarations for both and source maps, for ES2020 runtimes (browsers and mini-programs included).
 * `dist` is emptied by each package's `build` script, not by tsup: a package with several configs
 * (core's browser build) would otherwise delete its own output.
 *
 * @example
 * ```ts
 * // packages/emqx/tsup.config.ts
 * export default defineConfig(packageBuild({ index: 'src/index.ts', 'server/index': 'src/server/index.ts' }))
 * ```
 */
export function packageBuild(entry: Options['entry'], overrides: Options = {}): Options {
  return { entry, format: ['esm', 'cjs'], dts: true, sourcemap: true, target: 'es2020', ...overrides }
}

/** The entries of a broker adapter: the client side (browsers, mini-programs) and `./server` (Node only). */
export const ADAPTER_ENTRIES = { index: 'src/index.ts', 'server/index': 'src/server/index.ts' }
