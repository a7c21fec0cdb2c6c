// The rules a mini-program bundle must follow, checked on the built file (by the tests and by
// `node scripts/check-bundle.mjs` after a build).
import { parse } from 'acorn'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

/**
 * Size budget of `miniprogram_dist/index.js`, in bytes. The minified budget grew from 260 000 when the
 * client gained sessions, the liveness probe, the packet-size guard, bounded close and typed retained
 * clears (about 6 KB); what a mini-program downloads, the gzip budget, did not move.
 */
export const BUDGET = { minified: 270_000, gzip: 80_000 }

/**
 * Problems with a bundle's source, or an empty list:
 * - ES2015 syntax only (parsed as ES2015 script);
 * - no `eval`, and the Function constructor only as `Function('return this')`;
 * - no `require(...)` left (every dependency bundled, no Node built-in);
 * - within the size budget.
 */
export function checkBundle(code) {
  const problems = []
  try {
    parse(code, { ecmaVersion: 2015, sourceType: 'script' })
  } catch (error) {
    problems.push(
      `not ES2015: ${error.message} near ${JSON.stringify(code.slice(Math.max(0, error.pos - 40), error.pos + 40))}`,
    )
  }
  if (/\beval\s*\(/.test(code)) problems.push('uses eval')
  const functionCalls = code.match(/\bFunction\s*\([^)]*\)/g) ?? []
  for (const call of functionCalls) {
    if (!/^Function\(\s*["']return this["']\s*\)$/.test(call)) problems.push(`uses the Function constructor: ${call}`)
  }
  const requires = code.match(/\brequire\s*\(\s*["'][^"']+["']\s*\)/g) ?? []
  if (requires.length > 0) problems.push(`leaves require calls: ${[...new Set(requires)].join(', ')}`)
  const sizes = bundleSizes(code)
  if (sizes.minified > BUDGET.minified) problems.push(`${sizes.minified} bytes minified, budget ${BUDGET.minified}`)
  if (sizes.gzip > BUDGET.gzip) problems.push(`${sizes.gzip} bytes gzipped, budget ${BUDGET.gzip}`)
  return problems
}

/** Minified and gzipped size of a bundle. */
export function bundleSizes(code) {
  const bytes = Buffer.from(code, 'utf8')
  return { minified: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'miniprogram_dist', 'index.js')
  const code = readFileSync(file, 'utf8')
  const problems = checkBundle(code)
  const sizes = bundleSizes(code)
  console.log(`miniprogram_dist/index.js: ${sizes.minified} bytes, ${sizes.gzip} gzipped`)
  if (problems.length > 0) {
    console.error(problems.map((p) => `  - ${p}`).join('\n'))
    process.exit(1)
  }
}
