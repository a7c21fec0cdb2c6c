/**
 * Type-checks Markdown code blocks with the TypeScript compiler: every block is its own module, all of them
 * in one Program (so the workspace sources are checked once), with the repository's compiler options and the
 * workspace packages resolved to their sources through the `tidings-source` condition, as the tests see them.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import ts from 'typescript'
import type { MarkdownSnippet } from './markdown.js'

/** A compiler error, placed in the Markdown file that holds the code. */
export interface SnippetDiagnostic {
  /** Path of the Markdown file, relative to the repository root. */
  readonly file: string
  readonly line: number
  readonly column: number
  readonly code: number
  readonly message: string
}

/** One stretch of a generated module and the Markdown line its first line comes from. */
interface Segment {
  readonly startLine: number
  readonly lineCount: number
  readonly mdLine: number
  readonly file: string
}

interface Module {
  readonly path: string
  readonly text: string
  readonly segments: readonly Segment[]
}

/**
 * Compiles `snippets` (skipped ones left out) and returns their errors, sorted and without duplicates
 * (an error in a block that a later block continues is reported once).
 */
export function checkSnippets(root: string, snippets: readonly MarkdownSnippet[]): SnippetDiagnostic[] {
  const modules = toModules(root, snippets)
  const byPath = new Map(modules.map((m) => [m.path, m]))
  const options = compilerOptions(root)
  const host = ts.createCompilerHost(options, true)
  const packages = workspacePackages(root)
  const { fileExists, readFile, getSourceFile, directoryExists } = host
  // The guide folders exist only in memory: module resolution asks for them before looking for files.
  const folders = new Set([...byPath.keys()].flatMap((path) => ancestors(path, root)))
  host.fileExists = (path) => byPath.has(path) || fileExists.call(host, path)
  host.directoryExists = (path) =>
    folders.has(path) || (directoryExists?.call(host, path) ?? ts.sys.directoryExists(path))
  host.readFile = (path) => byPath.get(path)?.text ?? readFile.call(host, path)
  host.getSourceFile = (path, language, onError, create) => {
    const module = byPath.get(path)
    return module
      ? ts.createSourceFile(path, module.text, language, true, ts.ScriptKind.TS)
      : getSourceFile.call(host, path, language, onError, create)
  }
  host.resolveModuleNameLiterals = (literals, containingFile, _redirect, opts) =>
    literals.map((literal) => resolve(literal.text, containingFile, opts, host, packages, root))

  const program = ts.createProgram({ rootNames: [...byPath.keys()], options, host })
  const found = new Map<string, SnippetDiagnostic>()
  // Only the blocks are checked: the workspace sources they import are checked by their own packages.
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...byPath.keys()].flatMap((path) => {
      const source = program.getSourceFile(path)
      return source ? [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)] : []
    }),
  ]
  for (const diagnostic of diagnostics) {
    const placed = place(diagnostic, byPath, root)
    found.set(`${placed.file}:${placed.line}:${placed.column}:${placed.message}`, placed)
  }
  return [...found.values()].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column)
}

/** Formats a diagnostic the way editors link it: `README.md:12:5 TS2304 Cannot find name 'x'.` */
export function formatDiagnostic(d: SnippetDiagnostic): string {
  return `${d.file}:${d.line}:${d.column} TS${d.code} ${d.message}`
}

function toModules(root: string, snippets: readonly MarkdownSnippet[]): Module[] {
  const modules: Module[] = []
  let previous: { file: string; module: Module } | undefined
  for (const snippet of snippets) {
    const base = snippet.continues && previous?.file === snippet.file ? previous.module : undefined
    const parts: { text: string; mdLine: number }[] = []
    for (const prelude of snippet.preludes) parts.push({ text: prelude.code, mdLine: prelude.line })
    parts.push({ text: snippet.code, mdLine: snippet.line })
    const segments: Segment[] = base ? [...base.segments] : []
    const texts: string[] = base ? [base.text] : []
    let startLine = base ? base.text.split('\n').length : 0
    for (const part of parts) {
      const lineCount = part.text.split('\n').length
      segments.push({ startLine, lineCount, mdLine: part.mdLine, file: snippet.file })
      texts.push(part.text)
      startLine += lineCount
    }
    // A folder next to the Markdown file stands for the guide's project: blocks named with snippet-file
    // import each other by relative paths, and packages resolve from where the reader is.
    // A continued block stays in its base's folder, so the base's relative imports still resolve.
    const folder = base ? dirname(base.path) : join(root, `${snippet.file}.snippets`)
    const path = snippet.path
      ? join(root, `${snippet.file}.snippets`, snippet.path)
      : join(folder, `L${snippet.line}.ts`)
    const module = { path, text: texts.join('\n'), segments }
    if (!snippet.skip) modules.push(module)
    previous = { file: snippet.file, module }
  }
  return modules
}

function place(diagnostic: ts.Diagnostic, byPath: ReadonlyMap<string, Module>, root: string): SnippetDiagnostic {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
  const module = diagnostic.file && byPath.get(diagnostic.file.fileName)
  if (!diagnostic.file || !module || diagnostic.start === undefined) {
    const where = diagnostic.file ? relative(root, diagnostic.file.fileName) : '(compiler options)'
    return { file: where, line: 0, column: 0, code: diagnostic.code, message }
  }
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
  const segment = module.segments.find((s) => line >= s.startLine && line < s.startLine + s.lineCount)
  if (!segment) return { file: relative(root, module.path), line: line + 1, column: 0, code: diagnostic.code, message }
  return {
    file: segment.file,
    line: segment.mdLine + (line - segment.startLine),
    column: character + 1,
    code: diagnostic.code,
    message,
  }
}

/** The folders between `path` and `root`. */
function ancestors(path: string, root: string): string[] {
  const found: string[] = []
  for (let dir = dirname(path); dir.length > root.length; dir = dirname(dir)) found.push(dir)
  return found
}

/** The repository's compiler options (tsconfig.base.json), with every block a module of its own. */
function compilerOptions(root: string): ts.CompilerOptions {
  const config = { extends: './tsconfig.base.json', compilerOptions: { noEmit: true }, files: [] }
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root)
  return { ...parsed.options, moduleDetection: ts.ModuleDetectionKind.Force, declaration: false }
}

/** Workspace package names and folders: `@tidings/emqx` → packages/emqx, examples included. */
function workspacePackages(root: string): Map<string, string> {
  const packages = new Map<string, string>()
  for (const group of ['packages', 'examples']) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const dir = join(root, group, entry.name)
      try {
        const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }
        if (name) packages.set(name, dir)
      } catch {
        // A folder without a package.json (a config example) is not a package.
      }
    }
  }
  return packages
}

/**
 * Workspace packages resolve through their own `exports` (a self-reference from inside the package), so a
 * doc may import any of them whichever folder it sits in. Anything else resolves from the Markdown file's
 * folder, then from this package, which depends on every workspace package and their peers.
 */
function resolve(
  name: string,
  containingFile: string,
  options: ts.CompilerOptions,
  host: ts.ModuleResolutionHost,
  packages: ReadonlyMap<string, string>,
  root: string,
): ts.ResolvedModuleWithFailedLookupLocations {
  const own = [...packages].find(([pkg]) => name === pkg || name.startsWith(`${pkg}/`))
  const from = own
    ? [join(own[1], 'snippet.ts')]
    : [containingFile, join(root, 'packages/conformance/snippet.ts'), join(root, 'snippet.ts')]
  let result: ts.ResolvedModuleWithFailedLookupLocations | undefined
  for (const file of from) {
    result = ts.resolveModuleName(name, file, options, host)
    if (result.resolvedModule) return result
  }
  return result ?? ts.resolveModuleName(name, containingFile, options, host)
}
