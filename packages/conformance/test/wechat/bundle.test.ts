import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUDGET, bundleSizes, checkBundle } from '../../../transport-wechat/scripts/check-bundle.mjs'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'
import {
  buildBundle,
  createFakePlatform,
  loadMiniProgram,
  wsWire,
  type MiniProgramSandbox,
  type FakePlatform,
} from '../../src/wechat/index.js'
import { until } from './helpers.js'

// The tests load the built file, so they build it first (the same build `pnpm build` runs).
let code: string
beforeAll(async () => {
  code = readFileSync(await buildBundle(), 'utf8')
}, 60_000)

describe('the mini-program bundle (miniprogram_dist/index.js)', () => {
  it('is ES2015 CommonJS with no eval, no Function constructor but `return this`, no require, within budget', () => {
    expect(checkBundle(code)).toEqual([])
    const sizes = bundleSizes(code)
    expect(sizes.minified).toBeLessThanOrEqual(BUDGET.minified)
    expect(sizes.gzip).toBeLessThanOrEqual(BUDGET.gzip)
  })

  it('is what the package.json miniprogram field points at', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../transport-wechat/package.json'), 'utf8')) as {
      miniprogram?: string
      files?: string[]
    }
    expect(pkg.miniprogram).toBe('miniprogram_dist')
    expect(pkg.files).toContain('miniprogram_dist')
  })

  it.each(['shadow', 'delete', 'keep'] as const)(
    'loads where a mini-program has no Node or browser globals (globalThis: %s)',
    (mode) => {
      const sandbox = loadMiniProgram({ globalThis: mode })
      try {
        const missing = sandbox.evaluate<string[]>(
          "['window','self','navigator','document','process','Buffer','require','TextEncoder','TextDecoder','AbortController','URL','queueMicrotask','setImmediate'].filter((n) => { try { return eval('typeof ' + n) !== 'undefined' } catch (e) { return false } })",
        )
        expect(missing).toEqual([])
        const names = Object.keys(sandbox.exports)
        for (const name of [
          'createClient',
          'topic',
          'json',
          'bytes',
          'TidingsError',
          'genericBroker',
          'wechat',
          'alipay',
          'uniapp',
          'bytedance',
          'mosquitto',
          'emqx',
          'aliyun',
        ]) {
          expect(names).toContain(name)
        }
        // A client can be made without touching any platform global.
        const { createClient, genericBroker, wechat } = sandbox.exports
        const client = createClient({
          broker: genericBroker({ url: 'wss://mq.example.com/mqtt' }),
          transport: wechat(),
        })
        expect(client.state).toBe('offline')
      } finally {
        sandbox.dispose()
      }
    },
  )
})

interface Target {
  url(): string
  protocolVersion: 4 | 5
  drop(): Promise<void>
}

let mosquitto: MosquittoFixture
let devbroker: DevBroker
beforeAll(async () => {
  ;[mosquitto, devbroker] = await Promise.all([spawnMosquitto(), startDevBroker()])
})
afterAll(async () => {
  await Promise.all([mosquitto?.close(), devbroker?.close()])
})

const targets: Array<[string, () => Target]> = [
  [
    'Mosquitto',
    () => ({
      url: () => `ws://127.0.0.1:${mosquitto.wsPort}/mqtt`,
      protocolVersion: 5,
      drop: () => mosquitto.restart(),
    }),
  ],
  ['devbroker', () => ({ url: () => devbroker.wsUrl, protocolVersion: 4, drop: async () => devbroker.dropClients() })],
]

describe.each(targets)('the built bundle in the sandbox, fake wx on ws → %s', (_name, target) => {
  let sandbox: MiniProgramSandbox
  let platform: FakePlatform
  let client: any
  const states: Array<{ state: string; info: any }> = []
  const run = Math.random().toString(36).slice(2, 8)
  let got: number[][] = []

  beforeAll(async () => {
    // The fake `wx` hands the app ArrayBuffers of the sandbox's realm, as a real platform does.
    let box: MiniProgramSandbox | undefined
    platform = createFakePlatform('wx', { wire: wsWire(), arrayBuffer: (bytes) => box!.arrayBuffer(bytes) })
    sandbox = loadMiniProgram({ globals: { wx: platform.api } })
    box = sandbox
    const { createClient, genericBroker, wechat, topic, bytes } = sandbox.exports
    const t = target()
    client = createClient({
      broker: genericBroker({ url: t.url(), capabilities: { mqtt5: t.protocolVersion === 5 } }),
      // The global `wx` of the sandbox, read lazily; ws:// and an IP are fine for this test only.
      transport: wechat({ production: 'off' }),
      protocolVersion: t.protocolVersion,
      reconnect: { baseMs: 300, capMs: 1000 },
    })
    client.on('state', (state: string, info: unknown) => states.push({ state, info }))
    client.on('error', () => {})
    await client.connect()
    const blob = topic('mini/{run}/blob', bytes())
    await client.subscribe(
      blob,
      { run },
      (value: Uint8Array) => {
        got.push([...value])
      },
      { qos: 1 },
    )
    sandbox.context.__blob = blob
  })
  afterAll(() => sandbox?.dispose())

  const publish = (values: number[], qos: 0 | 1): Promise<void> => {
    // A payload of the sandbox's realm, sitting in the middle of a larger buffer.
    const view = sandbox.evaluate<(v: number[]) => Uint8Array>(
      '(v) => { const b = new Uint8Array(1024); b.set(v, 500); return b.subarray(500, 500 + v.length) }',
    )(values)
    return client.publish(sandbox.context.__blob, { run }, view, { qos })
  }

  it('connects through the sandbox global wx and does QoS 0 and QoS 1 binary round trips', async () => {
    got = []
    await publish([1, 2, 3], 0)
    await publish([250, 0, 7], 1)
    await until(() => got.length === 2, 5000, 'two messages')
    expect(got).toEqual([
      [1, 2, 3],
      [250, 0, 7],
    ])
    expect(platform.tasks[0]!.sendFailures).toEqual([])
    expect(platform.calls[0]).toMatchObject({ protocols: ['mqtt'], tcpNoDelay: true })
  })

  it('survives a server-side disconnect (reconnects, resubscribes)', async () => {
    got = []
    const before = platform.tasks.length
    await target().drop()
    await until(() => platform.tasks.length > before && client.state === 'online', 15_000, 'reconnected')
    await publish([42], 1)
    await until(() => got.length === 1, 5000, 'message after reconnect')
    expect(got).toEqual([[42]])
  })

  it('background: timers freeze and the socket closes as interrupted; foreground: reconnects within 1 s of onAppShow', async () => {
    got = []
    const mark = states.length
    platform.app.hide()
    sandbox.timers.freeze()
    platform.interrupt()
    await until(() => client.state === 'reconnecting', 2000, 'reconnecting')
    expect(states.slice(mark).find((s) => s.state === 'reconnecting')?.info.close).toEqual({
      code: 1000,
      reason: 'interrupted',
    })
    // Suspended: the 300 ms backoff would have fired by now if timers ran.
    const tasksWhileHidden = platform.tasks.length
    await new Promise((r) => setTimeout(r, 800))
    expect(platform.tasks.length).toBe(tasksWhileHidden)

    platform.app.show()
    const shown = Date.now()
    // onAppShow alone starts the reconnect, before any timer runs again.
    await until(() => platform.tasks.length > tasksWhileHidden, 500, 'socket opened on onAppShow')
    sandbox.timers.thaw()
    await until(() => client.state === 'online', 1000, 'online within 1 s of onAppShow')
    expect(Date.now() - shown).toBeLessThan(1000)
    await publish([9], 1)
    await until(() => got.length === 1, 5000, 'message after resume')
  })

  it('ends cleanly: sockets closed once, lifecycle listeners and timers released', async () => {
    await client.close()
    expect(client.state).toBe('closed')
    await until(() => platform.tasks.every((t) => t.state === 'closed'), 5000, 'tasks closed')
    expect(platform.tasks.reduce((n, t) => n + t.closeFailures, 0)).toBe(0)
    expect(platform.app.listeners()).toEqual({ show: 0, hide: 0, network: 0 })
    await until(() => sandbox.timers.active() === 0, 3000, 'no timers left')
  })
})
