import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

// Every pending changeset must be one the changesets tool itself can read: a changeset whose front matter
// it cannot parse is found only at release time, when `changeset version` stops on it.
const root = fileURLToPath(new URL('../../../../', import.meta.url))
const cli = `${root}node_modules/.bin/changeset`

test('the changesets tool reads every pending changeset', () => {
  expect(existsSync(cli), `${cli} is installed by pnpm install`).toBe(true)
  const status = spawnSync(cli, ['status'], { cwd: root, encoding: 'utf8', timeout: 60_000 })
  expect(status.stdout + status.stderr).not.toMatch(/could not parse changeset/)
  expect(status.status).toBe(0)
})
