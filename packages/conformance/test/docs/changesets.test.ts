import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

// Every pending changeset must be one the changesets tool reads: one whose front matter it cannot parse is
// found only at release time, when `changeset version` stops on it. The tool's own parser is used, reached
// through the CLI the workspace installs (it is the CLI's dependency, not ours).
const root = fileURLToPath(new URL('../../../../', import.meta.url))
const fromCli = createRequire(createRequire(`${root}package.json`).resolve('@changesets/cli/package.json'))
const parseModule = fromCli('@changesets/parse') as
  | { default: (text: string) => { releases: Array<{ name: string; type: string }> } }
  | ((text: string) => { releases: Array<{ name: string; type: string }> })
const parse = typeof parseModule === 'function' ? parseModule : parseModule.default

/** Names of the workspace's packages, from their package.json files. */
function workspacePackages(): Set<string> {
  const names = new Set<string>()
  for (const dir of ['packages', 'examples'])
    for (const entry of readdirSync(`${root}${dir}`, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      try {
        names.add(JSON.parse(readFileSync(`${root}${dir}/${entry.name}/package.json`, 'utf8')).name)
      } catch {
        // A folder without a package.json is no package.
      }
    }
  return names
}

describe('pending changesets', () => {
  const files = readdirSync(`${root}.changeset`).filter((f) => f.endsWith('.md') && f !== 'README.md')
  const packages = workspacePackages()

  test.each(files)('%s is read by the changesets tool and names workspace packages', (file) => {
    const { releases } = parse(readFileSync(`${root}.changeset/${file}`, 'utf8'))
    expect(releases.length).toBeGreaterThan(0)
    for (const release of releases) {
      expect(packages, `${file} names ${release.name}`).toContain(release.name)
      expect(['major', 'minor', 'patch']).toContain(release.type)
    }
  })
})
