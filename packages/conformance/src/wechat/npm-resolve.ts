import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile()

/**
 * Where a mini-program's `require(name)` of an npm package finds it after 构建 npm: `miniprogram_npm/<name>`
 * (a file, or the folder's `index.js`) in the requiring file's folder, then in each folder above it, as
 * WeChat's devtools resolve npm paths (miniprogram-ci's `resolveComponentPath2` searches the same list).
 * Returns `undefined` when no `miniprogram_npm` on the way holds the package.
 */
export function resolveMiniprogramNpm(fromFile: string, name: string): string | undefined {
  let dir = dirname(resolve(fromFile))
  // Bounded by the depth of the path: each step goes one folder up until the root.
  for (;;) {
    const base = join(dir, 'miniprogram_npm', name)
    for (const candidate of [`${base}.js`, join(base, 'index.js')]) if (isFile(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}
