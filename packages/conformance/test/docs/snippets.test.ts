import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { checkSnippets, formatDiagnostic } from '../../src/docs/check.js'
import { findMarkdownFiles } from '../../src/docs/files.js'
import { extractSnippets, type MarkdownSnippet } from '../../src/docs/markdown.js'

// Every `ts`/`typescript` block of every Markdown file in the repository compiles against the workspace
// sources, so a renamed option or a changed signature breaks the docs' build, not a reader's first try.
// Conventions (hidden preludes, `snippet-continues`, `snippet-file`, `snippet-skip: reason`): see
// src/docs/markdown.ts.

const root = fileURLToPath(new URL('../../../../', import.meta.url))

function collect(files: readonly string[]) {
  const snippets: MarkdownSnippet[] = []
  const problems: string[] = []
  for (const file of files) {
    const extracted = extractSnippets(file, readFileSync(`${root}${file}`, 'utf8'))
    snippets.push(...extracted.snippets)
    problems.push(...extracted.problems.map((p) => `${p.file}:${p.line} ${p.message}`))
  }
  return { snippets, problems }
}

describe('code blocks in the docs', () => {
  const { snippets, problems } = collect(findMarkdownFiles(root))

  test('every snippet- directive is well-formed and attached to a ts block', () => {
    expect(problems).toEqual([])
  })

  test('every ts block type-checks against the workspace packages', { timeout: 180_000 }, () => {
    // READMEs, docs/ and the Chinese guides all have TypeScript blocks: the walk must have found them.
    const files = new Set(snippets.map((s) => s.file))
    for (const file of ['README.md', 'README.zh-CN.md', 'packages/core/README.md', 'docs/zh/bike-unlock.md'])
      expect(files).toContain(file)
    const errors = checkSnippets(root, snippets).map(formatDiagnostic)
    expect(errors).toEqual([])
  })

  test('every opt-out says why', () => {
    for (const s of snippets.filter((s) => s.skip !== undefined)) expect(s.skip!.length).toBeGreaterThan(10)
  })
})

describe('the snippet checker', () => {
  const check = (markdown: string) => {
    const { snippets, problems } = extractSnippets('guide.md', markdown)
    return { problems, errors: checkSnippets(root, snippets).map(formatDiagnostic) }
  }

  test('reports a type error at its Markdown line and column', { timeout: 120_000 }, () => {
    const markdown = [
      '# Guide',
      '',
      '```ts',
      "import { topic, json } from '@tidings/core'",
      "const t = topic('user/{userId}', json<number>())",
      "t.name({ userID: '42' })",
      '```',
    ].join('\n')
    const { errors } = check(markdown)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^guide\.md:6:10 TS2561 .*'userID' does not exist/)
  })

  test('preludes declare free names, continued blocks see earlier ones, skipped blocks are not compiled', {
    timeout: 120_000,
  }, () => {
    const markdown = [
      '<!-- snippet-prelude: declare const userId: string -->',
      '```typescript',
      "import { grant } from '@tidings/core'",
      "const filter: string = grant('user/{userId}/#', { userId })",
      '```',
      'Then:',
      '<!-- snippet-continues -->',
      '```ts',
      'const again: number = filter',
      '```',
      '<!-- snippet-skip: pseudo-code for the reader -->',
      '```ts',
      'connect(…)',
      '```',
    ].join('\n')
    const { problems, errors } = check(markdown)
    expect(problems).toEqual([])
    // Without the prelude, `userId` would be unknown; the continued block fails on its own line only.
    expect(errors).toEqual([
      expect.stringMatching(/^guide\.md:9:7 TS2322 Type 'string' is not assignable to type 'number'/),
    ])
  })

  test('blocks named with snippet-file import each other by relative paths', { timeout: 120_000 }, () => {
    const markdown = [
      '<!-- snippet-file: shared/topics.ts -->',
      '```ts',
      "import { json, topic } from '@tidings/core'",
      "export const unread = topic('user/{userId}/unread', json<{ count: number }>())",
      '```',
      '<!-- snippet-file: web/page.ts -->',
      '```ts',
      "import { unread } from '../shared/topics.js'",
      "unread.name({ userId: '42' }).toFixed()",
      '```',
    ].join('\n')
    const { problems, errors } = check(markdown)
    expect(problems).toEqual([])
    // The import resolves (no TS2307), so the type of the imported topic is known and checked.
    expect(errors).toEqual([
      expect.stringMatching(/^guide\.md:9:31 TS2551 Property 'toFixed' does not exist on type 'string'/),
    ])
  })

  test('an error in a multi-line prelude is reported at its own line', { timeout: 120_000 }, () => {
    const markdown = [
      '<!-- snippet-prelude:',
      'declare const a: string',
      'const b: number = a',
      '-->',
      '```ts',
      'export {}',
      '```',
    ].join('\n')
    expect(check(markdown).errors).toEqual([expect.stringMatching(/^guide\.md:3:7 TS2322 /)])
  })

  test('an unknown, empty or dangling directive is a problem, never ignored', () => {
    const markdown = [
      '<!-- snippet-skip -->',
      '```ts',
      'x',
      '```',
      '<!-- snippet-prelud: declare const a: 1 -->',
      '```ts',
      'a',
      '```',
      '<!-- snippet-prelude: declare const b: 1 -->',
      '```js',
      'b',
      '```',
      '<!-- snippet-file: ../outside.ts -->',
      '```ts',
      '```',
      '<!-- snippet-file: a.ts -->',
      '```ts',
      '```',
      '<!-- snippet-file: a.ts -->',
      '```ts',
      '```',
      '<!-- snippet-prelude declare const c: 1 -->',
      '```ts',
      '```',
    ].join('\n')
    const { problems } = extractSnippets('guide.md', markdown)
    expect(problems.map((p) => `${p.line} ${p.message}`)).toEqual([
      expect.stringMatching(/^1 snippet-skip needs a reason/),
      expect.stringMatching(/^5 unknown directive snippet-prelud/),
      expect.stringMatching(/^13 snippet-file needs a relative \.ts path/),
      expect.stringMatching(/^22 malformed directive/),
      expect.stringMatching(/^21 snippet-file a\.ts is used twice/),
      expect.stringMatching(/^9 snippet-prelude is not directly above a ts code block/),
    ])
  })
})
