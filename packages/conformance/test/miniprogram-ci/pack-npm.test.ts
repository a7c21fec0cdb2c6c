import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
const ci = createRequire(import.meta.url)('miniprogram-ci') as {
  Project: new (options: Record<string, unknown>) => unknown
  packNpm(project: unknown, options?: Record<string, unknown>): Promise<unknown[]>
}

let work: string
const tarballs: Record<string, string> = {}

beforeAll(() => {
  for (const name of ['core', 'transport-wechat', 'mosquitto']) {
    if (!existsSync(join(root, 'packages', name, 'dist')))
      throw new Error(`packages/${name} is not built: run pnpm turbo run build --filter=@tidings/transport-wechat...`)
  }
  if (!existsSync(join(root, 'packages', 'transport-wechat', 'miniprogram_dist', 'index.js')))
    throw new Error('packages/transport-wechat/miniprogram_dist is not built')
  work = mkdtempSync(join(tmpdir(), 'tidings-packnpm-'))
  for (const name of ['core', 'transport-wechat', 'mosquitto']) {
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

/**
 * Copies the fixture project, installs these packages from their tarballs and runs packNpm on it.
 * `beforePack` may change the installed packages first (to try out a packaging before publishing it).
 */
async function buildNpm(
  name: string,
  dependencies: string[],
  devDependencies: string[] = [],
  beforePack: (project: string) => void = () => {},
): Promise<string> {
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
  beforePack(project)
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

  it('listing @tidings/core (or an adapter) as a dependency too makes 构建 npm trace its Node dependencies and fail', async () => {
    // Known limitation, stated in the README: 构建 npm packs every package reachable through
    // `dependencies`, and lru-cache (mqtt's) has class syntax its parser (acorn 6) refuses.
    await expect(
      buildNpm('with-core', ['@tidings/transport-wechat', '@tidings/core', '@tidings/mosquitto']),
    ).rejects.toThrow(/lru-cache|ip-address/)
  }, 240_000)

  it('a `miniprogram` field on @tidings/core would not help: 构建 npm still traces its dependencies', async () => {
    // 构建 npm copies the `miniprogram` directory of such a package instead of tracing its `main`, but it
    // collects the packages to build by walking `dependencies` of every reachable package, whatever their
    // fields: core's `mqtt` is reached and its lru-cache fails to parse all the same. Packaging core for
    // mini-programs therefore needs a core without `mqtt` among its `dependencies`.
    const withMiniprogramField = (project: string) => {
      const dir = join(project, 'node_modules', '@tidings', 'core')
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, miniprogram: 'miniprogram' }))
      mkdirSync(join(dir, 'miniprogram'))
      writeFileSync(join(dir, 'miniprogram', 'index.js'), "module.exports = require('@tidings/transport-wechat')\n")
    }
    await expect(
      buildNpm('core-miniprogram-field', ['@tidings/transport-wechat', '@tidings/core'], [], withMiniprogramField),
    ).rejects.toThrow(/lru-cache|ip-address/)
  }, 240_000)

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
