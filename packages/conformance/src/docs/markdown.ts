/**
 * Finds the TypeScript code blocks of a Markdown file and the `snippet-` directives written before them.
 *
 * A block is fenced with ``` or ~~~ and tagged `ts` or `typescript`. HTML comments directly above it
 * (blank lines and other directives may sit between) steer how it is checked:
 *
 * - `<!-- snippet-prelude: declare const userId: string -->`: hidden code compiled before the block, for the
 *   names the prose supplies (a `userId`, an Express `app`). Several preludes add up; one may span lines.
 * - `<!-- snippet-continues -->`: the block goes on from the previous TypeScript block of the same file
 *   (a guide built up step by step), so it sees that block's imports and names.
 * - `<!-- snippet-file: server/push.ts -->`: the block is that file of the guide's project, so other blocks of the
 *   same Markdown file can import it (`import { unread } from '../shared/topics.js'`).
 * - `<!-- snippet-skip: why -->`: the block is deliberately not a TypeScript program (a sketch with `…`).
 *   The reason is required, so every opt-out says why.
 *
 * A `snippet-` comment that is malformed, unknown or not followed by a TypeScript block is a problem of
 * its own, so a directive can never be silently ignored.
 */

/** One TypeScript code block. Lines are 1-based lines of the Markdown file. */
export interface MarkdownSnippet {
  readonly file: string
  /** Line of the block's first code line. */
  readonly line: number
  readonly code: string
  /** Hidden code compiled before the block, with the Markdown line of the comment that holds it. */
  readonly preludes: readonly { readonly line: number; readonly code: string }[]
  readonly continues: boolean
  /** The file this block stands for (`snippet-file`), relative to the Markdown file's project. */
  readonly path?: string
  /** Set when the block opts out of checking: the reason given in its marker. */
  readonly skip?: string
}

/** A directive the extractor could not accept. */
export interface MarkdownProblem {
  readonly file: string
  readonly line: number
  readonly message: string
}

const TS_LANGUAGES = new Set(['ts', 'typescript'])
const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)/
const DIRECTIVE = /^<!--\s*snippet-([a-z-]+)(?:\s*:\s*([\s\S]*?))?\s*-->$/

interface Directive {
  readonly line: number
  /** Line where the value starts: a multi-line prelude usually begins on the line after `snippet-prelude:`. */
  readonly valueLine: number
  readonly kind: string
  readonly value: string | undefined
  used: boolean
}

/** Extracts the TypeScript blocks of `markdown` (the contents of `file`) and the problems of its directives. */
export function extractSnippets(
  file: string,
  markdown: string,
): { snippets: MarkdownSnippet[]; problems: MarkdownProblem[] } {
  const lines = markdown.split(/\r?\n/)
  const snippets: MarkdownSnippet[] = []
  const problems: MarkdownProblem[] = []
  const directives = collectDirectives(lines)
  const byEndLine = new Map(directives.map((d) => [d.endLine, d.directive]))

  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!)
    if (!open) continue
    const [, indent = '', fence = '', language = ''] = open
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length; j++) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[j]!)?.[1]
      if (close !== undefined && close[0] === fence[0] && close.length >= fence.length) break
      body.push(stripIndent(lines[j]!, indent.length))
    }
    if (TS_LANGUAGES.has(language.toLowerCase())) {
      const attached = directivesAbove(lines, i, byEndLine)
      for (const d of attached) d.used = true
      snippets.push(toSnippet(file, i + 2, body.join('\n'), attached, problems))
    }
    i = j
  }
  const seen = new Set<string>()
  for (const s of snippets) {
    if (s.path === undefined) continue
    if (seen.has(s.path)) problems.push({ file, line: s.line, message: `snippet-file ${s.path} is used twice` })
    seen.add(s.path)
  }
  for (const d of directives) {
    if (!d.directive.used)
      problems.push({
        file,
        line: d.directive.line,
        message: `snippet-${d.directive.kind} is not directly above a ts code block`,
      })
  }
  return { snippets, problems }
}

function toSnippet(
  file: string,
  line: number,
  code: string,
  directives: readonly Directive[],
  problems: MarkdownProblem[],
): MarkdownSnippet {
  const preludes: { line: number; code: string }[] = []
  let continues = false
  let skip: string | undefined
  let path: string | undefined
  for (const d of directives) {
    const problem = (message: string) => problems.push({ file, line: d.line, message })
    if (d.kind === 'prelude') {
      if (d.value) preludes.push({ line: d.valueLine, code: d.value })
      else problem('snippet-prelude needs code: <!-- snippet-prelude: declare const userId: string -->')
    } else if (d.kind === 'continues') {
      if (d.value !== undefined) problem('snippet-continues takes no value')
      continues = true
    } else if (d.kind === 'file') {
      if (d.value && /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[\w./-]+\.ts$/.test(d.value)) path = d.value
      else
        problem('snippet-file needs a relative .ts path without . or .. segments: <!-- snippet-file: src/topics.ts -->')
    } else if (d.kind === 'skip') {
      if (d.value) skip = d.value
      else problem('snippet-skip needs a reason: <!-- snippet-skip: why this block is not a program -->')
    } else if (d.kind === '') {
      problem('malformed directive: write <!-- snippet-NAME --> or <!-- snippet-NAME: value -->')
    } else {
      problem(`unknown directive snippet-${d.kind} (known: prelude, continues, file, skip)`)
    }
  }
  return {
    file,
    line,
    code,
    preludes,
    continues,
    ...(path === undefined ? {} : { path }),
    ...(skip === undefined ? {} : { skip }),
  }
}

/** Every `<!-- snippet-… -->` comment in the file, keyed by the line its comment ends on. */
function collectDirectives(lines: readonly string[]): { endLine: number; directive: Directive }[] {
  const found: { endLine: number; directive: Directive }[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*<!--\s*snippet-/.test(lines[i]!)) continue
    let end = i
    while (end < lines.length && !lines[end]!.includes('-->')) end++
    const text = lines
      .slice(i, end + 1)
      .join('\n')
      .trim()
    const match = DIRECTIVE.exec(text)
    const kind = match?.[1] ?? ''
    const value = match?.[2] || undefined
    const valueLine = i + 1 + (value ? text.slice(0, text.indexOf(value)).split('\n').length - 1 : 0)
    found.push({ endLine: end, directive: { line: i + 1, valueLine, kind, value, used: false } })
    i = end
  }
  return found
}

/** The directives whose comments end above the fence at `fenceIndex`, separated only by blank lines. */
function directivesAbove(
  lines: readonly string[],
  fenceIndex: number,
  byEndLine: ReadonlyMap<number, Directive>,
): Directive[] {
  const attached: Directive[] = []
  for (let k = fenceIndex - 1; k >= 0; k--) {
    if (lines[k]!.trim() === '') continue
    const directive = byEndLine.get(k)
    if (!directive) break
    attached.unshift(directive)
    k = directive.line - 1
  }
  return attached
}

function stripIndent(line: string, width: number): string {
  let n = 0
  while (n < width && line[n] === ' ') n++
  return line.slice(n)
}
