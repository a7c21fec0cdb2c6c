import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type * as TS from 'typescript'
import { describe, expect, it } from 'vitest'

// Each platform's typings declare globals that clash with the others' (`Page`, `App`, `console`…), so
// each fixture is its own TypeScript program with only that platform's typings loaded.
const ts = createRequire(import.meta.url)('typescript') as typeof TS
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'platform-typings')

const PLATFORMS = [
  { name: 'wechat', global: 'wx', typings: 'miniprogram-api-typings' },
  { name: 'alipay', global: 'my', typings: '@mini-types/alipay' },
  { name: 'uniapp', global: 'uni', typings: '@dcloudio/types' },
  { name: 'bytedance', global: 'tt', typings: '@douyin-microapp/typings' },
] as const

/** Type-checks one fixture project; `edit` may rewrite the fixture's source first. */
function typecheck(name: string, edit?: (source: string) => string): { files: string[]; errors: string[] } {
  const configFile = join(FIXTURES, name, 'tsconfig.json')
  const config = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'))
      },
    },
  )
  if (!config) throw new Error(`cannot read ${configFile}`)
  const fixture = join(FIXTURES, name, `${name}.ts`)
  const host = ts.createCompilerHost(config.options)
  const readFile = host.readFile.bind(host)
  host.readFile = (file) => (edit && file === fixture ? edit(readFileSync(file, 'utf8')) : readFile(file))
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, host })
  const errors = ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
  return { files: program.getRootFileNames().map(String), errors }
}

describe.each(PLATFORMS)('$name({ $global }) against $typings', ({ name, global, typings }) => {
  it(`compiles with the platform's own global object, without casts`, () => {
    const { files, errors } = typecheck(name)
    expect(files).toContain(join(FIXTURES, name, `${name}.ts`))
    expect(errors).toEqual([])
    // The typings are really loaded: the fixture names the global without declaring it.
    const source = readFileSync(join(FIXTURES, name, `${name}.ts`), 'utf8')
    expect(source).toContain(`${name}({ ${global} })`)
    expect(source).toContain(typings)
  }, 60_000)

  it('reports an error when the global is not a platform object', () => {
    // Without the `@ts-expect-error`, handing over the result of getSystemInfoSync() must not compile.
    const { errors } = typecheck(name, (source) => source.replace('// @ts-expect-error', '//'))
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.join('\n')).toMatch(/not assignable|connectSocket/)
  }, 60_000)
})
