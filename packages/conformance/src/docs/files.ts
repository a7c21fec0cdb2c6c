import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

// Installed packages, build output and generated files are not the project's docs.
const IGNORED = new Set(['node_modules', 'dist', 'miniprogram_dist', 'miniprogram_npm', 'test-artifacts', '.turbo'])

/** Every Markdown file under `root` (relative paths, sorted), outside dependencies and build output. */
export function findMarkdownFiles(root: string, dir = root): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (IGNORED.has(entry.name) || entry.name === '.git') continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) found.push(...findMarkdownFiles(root, path))
    else if (entry.isFile() && entry.name.endsWith('.md')) found.push(relative(root, path))
  }
  return found.sort()
}
