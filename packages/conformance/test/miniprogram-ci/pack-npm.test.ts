import { execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'
import { BUNDLE_FILE, createFakePlatform, loadMiniProgram, wsWire } from '../../src/wechat/index.js'
import { until } from '../wechat/helpers.js'

// WeChat's 构建 npm, as miniprogram-ci runs it (offline), on a mini-program project that installed the
// packages from `pnpm pack` tarballs, as a user gets them from the registry. The packages must be built
// first: `pnpm turbo run build --filter=@tidings/transport-wechat...`.
const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..', '..', '..')
const FIXTURE = join(here, '..', '..', 'fixtures', 'miniprogram-project')
const require = createRequire(import.meta.url)
const ci = require('miniprogram-ci') as {
  Project: new (options: Record<string, unknown>) => unknown
  packNpm(project: unknown, options?: Record<string, unknown>): Promise<unknown[]>
}
// The parser 构建 npm runs on what it traces (acorn 6): the `miniprogram` folders it copies must be ES5 too.
const acorn = createRequire(require.resolve('miniprogram-ci'))('acorn') as {
  parse(code: string, options: { ecmaVersion: number }): unknown
}
/** Every package a mini-program may list; all but the transport have a `miniprogram` folder. */
const PACKAGES = ['transport-wechat', 'core', 'mosquitto', 'emqx', 'aliyun']
const ADAPTERS = ['core', 'mosquitto', 'emqx', 'aliyun']

let work: string
const tarballs: Record<string, string> = {}

beforeAll(() => {
  for (const name of PACKAGES) {
    if (!existsSync(join(root, 'packages', name, 'dist')))
      throw new Error(`packages/${name} is not built: run pnpm turbo run build --filter=@tidings/transport-wechat...`)
  }
  if (!existsSync(join(root, 'packages', 'transport-wechat', 'miniprogram_dist', 'index.js')))
    throw new Error('packages/transport-wechat/miniprogram_dist is not built')
  work = mkdtempSync(join(tmpdir(), 'tidings-packnpm-'))
  for (const name of PACKAGES) {
    const out = execFileSync('pnpm', ['pack', '--pack-destination', work], {
      cwd: join(root, 'packages', name),
      encoding: 'utf8',
    })
    const file = out.trim().split('\n').pop()!.trim()
    tarballs[`@tidings/${name}`] = file.startsWith('/') ? file : join(work, file)
  }
}, 120_000)
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

/** Copies the fixture project, installs these packages from their tarballs and runs packNpm on it. */
async function buildNpm(name: string, dependencies: string[], devDependencies: string[] = []): Promise<string> {
  const project = join(work, name)
  cpSync(FIXTURE, project, { recursive: true })
  const from = (names: string[]) => Object.fromEntries(names.map((d) => [d, `file:${tarballs[d]}`]))
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'tidings-fixture',
        version: '1.0.0',
        private: true,
        dependencies: from(dependencies),
        devDependencies: from(devDependencies),
      },
      null,
      2,
    ),
  )
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: project,
    stdio: 'pipe',
    timeout: 180_000,
  })
  // packNpm never signs or uploads anything; the CI project only insists on having some key text.
  const ciProject = new ci.Project({
    appid: 'touristappid',
    type: 'miniProgram',
    projectPath: project,
    privateKey: 'unused: packNpm uploads nothing',
    ignores: ['node_modules/**/*'],
  })
  await ci.packNpm(ciProject, { reporter: () => {} })
  return project
}

describe('构建 npm (miniprogram-ci packNpm) of a project depending on @tidings/transport-wechat', () => {
  let project: string
  let broker: MosquittoFixture
  beforeAll(async () => {
    // The peer @tidings/core is installed (npm would fetch it from the registry) but not a dependency of the
    // mini-program: the bundle holds it, and 构建 npm only builds `dependencies`.
    ;[project, broker] = await Promise.all([
      buildNpm('transport-only', ['@tidings/transport-wechat'], ['@tidings/core']),
      spawnMosquitto(),
    ])
  }, 240_000)
  afterAll(async () => {
    await broker?.close()
  })

  it('copies the prebuilt bundle as it is, and nothing else', () => {
    const built = join(project, 'miniprogram_npm', '@tidings', 'transport-wechat', 'index.js')
    expect(readFileSync(built, 'utf8')).toBe(readFileSync(BUNDLE_FILE, 'utf8'))
    expect(existsSync(join(project, 'miniprogram_npm', 'mqtt'))).toBe(false)
  })

  it('the built output loads in the mini-program sandbox and round-trips through real Mosquitto', async () => {
    const file = join(project, 'miniprogram_npm', '@tidings', 'transport-wechat', 'index.js')
    let box: ReturnType<typeof loadMiniProgram> | undefined
    const platform = createFakePlatform('wx', { wire: wsWire(), arrayBuffer: (b) => box!.arrayBuffer(b) })
    box = loadMiniProgram({ globals: { wx: platform.api }, file })
    const { createClient, mosquitto, wechat, topic, bytes } = box.exports
    const client = createClient({
      broker: mosquitto({ host: broker.host, port: broker.wsPort }),
      transport: wechat({ production: 'off' }),
    })
    client.on('error', () => {})
    try {
      await client.connect()
      const got: number[][] = []
      const blob = topic('packnpm/{run}', bytes())
      await client.subscribe(blob, { run: 'a' }, (v: Uint8Array) => void got.push([...v]), { qos: 1 })
      await client.publish(blob, { run: 'a' }, box.evaluate('new Uint8Array([1, 2, 3])'), { qos: 1 })
      await until(() => got.length === 1, 5000, 'the message')
      expect(got).toEqual([[1, 2, 3]])
    } finally {
      await client.close()
      box.dispose()
    }
  })
})

/** Bytes of every file under `dir`. */
function sizeOf(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0)
}

// A page that takes each API from the package a developer would name: core, a broker adapter, the transport.
// ES5, as the platform runs it without compiling.
const PAGE = `var core = require('@tidings/core')
var mosquitto = require('@tidings/mosquitto')
var emqx = require('@tidings/emqx')
var aliyun = require('@tidings/aliyun')
var transport = require('@tidings/transport-wechat')
module.exports = { core: core, mosquitto: mosquitto, emqx: emqx, aliyun: aliyun, transport: transport }
`

describe('构建 npm of a project listing @tidings/core and the broker adapters next to the transport', () => {
  let project: string
  let npm: string
  let broker: MosquittoFixture
  beforeAll(async () => {
    ;[project, broker] = await Promise.all([
      buildNpm(
        'all-packages',
        PACKAGES.map((name) => `@tidings/${name}`),
      ),
      spawnMosquitto(),
    ])
    npm = join(project, 'miniprogram_npm')
  }, 240_000)
  afterAll(async () => {
    await broker?.close()
  })

  it('installs packages whose manifests reach nothing through dependencies', () => {
    // What 构建 npm walks: none of these may list a runtime dependency (core bundles MQTT.js; the adapters'
    // server-only libraries are peers), and core's declarations import no package of MQTT.js's tree.
    for (const name of PACKAGES) {
      const manifest = JSON.parse(readFileSync(join(project, 'node_modules', '@tidings', name, 'package.json'), 'utf8'))
      expect(manifest.dependencies ?? {}, `@tidings/${name}`).toEqual({})
    }
    const dist = join(project, 'node_modules', '@tidings', 'core', 'dist')
    const declarations = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => /\.d\.c?ts$/.test(f))
    expect(declarations.length).toBeGreaterThan(0)
    for (const file of declarations) {
      const imports = [...readFileSync(join(dist, file), 'utf8').matchAll(/from '([^'.][^']*)'/g)].map((m) => m[1])
      expect(
        imports.filter((name) => name !== 'node:stream'),
        file,
      ).toEqual([])
    }
  })

  it('copies the prebuilt bundle as it is, one small file per other package, and nothing else', () => {
    expect(readFileSync(join(npm, '@tidings', 'transport-wechat', 'index.js'), 'utf8')).toBe(
      readFileSync(BUNDLE_FILE, 'utf8'),
    )
    expect(readdirSync(npm).sort()).toEqual(['@tidings'])
    expect(readdirSync(join(npm, '@tidings')).sort()).toEqual([...PACKAGES].sort())
    for (const name of ADAPTERS) {
      const copied = readFileSync(join(npm, '@tidings', name, 'index.js'), 'utf8')
      expect(copied).toBe(readFileSync(join(root, 'packages', name, 'miniprogram', 'index.js'), 'utf8'))
      expect(() => acorn.parse(copied, { ecmaVersion: 5 }), `@tidings/${name}`).not.toThrow()
    }
    const total = sizeOf(npm)
    console.info(`miniprogram_npm: ${total} bytes`)
    // The bundle (~270 KB minified at most, its budget) and four re-exports: far below WeChat's 2 MB main
    // package. Growing past this means 构建 npm copies something besides the bundle again.
    expect(total).toBeLessThan(400_000)
  })

  it('each package is the bundle at run time, and a client built from them round-trips through real Mosquitto', async () => {
    const file = join(npm, '@tidings', 'transport-wechat', 'index.js')
    const page = join(project, 'pages', 'packages', 'index.js')
    mkdirSync(dirname(page), { recursive: true })
    writeFileSync(page, PAGE)
    let box: ReturnType<typeof loadMiniProgram> | undefined
    const platform = createFakePlatform('wx', { wire: wsWire(), arrayBuffer: (b) => box!.arrayBuffer(b) })
    box = loadMiniProgram({ globals: { wx: platform.api }, file })
    const { core, mosquitto, emqx, aliyun, transport } = box.runModule(page)
    // One copy of core: the same classes and functions whichever package they are required from.
    for (const pkg of [mosquitto, emqx, aliyun, transport]) {
      expect(pkg.TidingsError).toBe(core.TidingsError)
      expect(pkg.createClient).toBe(core.createClient)
    }
    expect(transport).toBe(box.exports)
    let thrown: unknown
    try {
      core.topic('', core.bytes())
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(emqx.TidingsError)
    expect((thrown as { code: string }).code).toBe('INVALID_TOPIC')

    const client = core.createClient({
      broker: mosquitto.mosquitto({ host: broker.host, port: broker.wsPort }),
      transport: transport.wechat({ production: 'off' }),
    })
    client.on('error', () => {})
    try {
      await client.connect()
      const got: number[][] = []
      const blob = core.topic('packnpm/{run}', core.bytes())
      await client.subscribe(blob, { run: 'b' }, (v: Uint8Array) => void got.push([...v]), { qos: 1 })
      await client.publish(blob, { run: 'b' }, box.evaluate('new Uint8Array([4, 5, 6])'), { qos: 1 })
      await until(() => got.length === 1, 5000, 'the message')
      expect(got).toEqual([[4, 5, 6]])
    } finally {
      await client.close()
      box.dispose()
    }
  })
})
