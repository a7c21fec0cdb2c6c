import { build, type Metafile } from 'esbuild'
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PAGE_SRC = fileURLToPath(new URL('./page/', import.meta.url))

/** Where `pnpm build:page` writes the page. */
export const DEFAULT_PAGE_DIR = fileURLToPath(new URL('../dist/page/', import.meta.url))

/**
 * Bundles the page for browsers: `app.ts` with `@tidings/core`'s browser build and
 * `@tidings/transport-ws`, minified, plus the HTML and CSS. Uses the packages' built `dist` files, so
 * run the workspace build first.
 */
export async function buildPage(outDir: string = DEFAULT_PAGE_DIR): Promise<{ dir: string; metafile: Metafile }> {
  await mkdir(outDir, { recursive: true })
  const result = await build({
    entryPoints: [join(PAGE_SRC, 'app.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
  }).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error)
    // The page bundles the packages' built browser files; a fresh checkout has none yet.
    if (/Could not resolve "@tidings\//.test(message))
      throw new Error(`${message}\nBuild the packages first: run \`pnpm build\` at the repository root.`)
    throw error
  })
  await Promise.all(
    ['index.html', 'styles.css', 'favicon.svg'].map((f) => copyFile(join(PAGE_SRC, f), join(outDir, f))),
  )
  return { dir: outDir, metafile: result.metafile }
}
