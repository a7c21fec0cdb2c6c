import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { classifyError } from '../src/client/mqtt-errors.js'

// The stand-ins the bundles put in place of MQTT.js modules. MQTT.js loads them through TypeScript's
// `__importDefault`, which wraps anything not marked as an ES module: a stand-in without the mark would
// give MQTT.js an object where it calls a function.
const require = createRequire(import.meta.url)
const importDefault = (mod: { __esModule?: boolean }) => (mod?.__esModule ? mod : { default: mod })

describe('bundle stand-ins for MQTT.js modules', () => {
  for (const name of ['topic-alias-send', 'mqtt-get-timer', 'mqtt-auth-handler']) {
    it(`${name} is what MQTT.js's __importDefault expects`, () => {
      const loaded = importDefault(require(`../build/shims/${name}.cjs`)) as { default: unknown }
      expect(typeof loaded.default).toBe('function')
    })
  }

  it('an AUTH packet ends the connection with the error MQTT.js gives, which tidings reports as PROTOCOL_ERROR', () => {
    const { default: handleAuth } = require('../build/shims/mqtt-auth-handler.cjs') as {
      default: (client: unknown, packet: unknown, pump?: unknown) => void
    }
    const calls: string[] = []
    let emitted: unknown
    const client = {
      _cleanUp: (forced: boolean) => calls.push(`cleanUp ${forced}`),
      emit: (event: string, error: unknown) => {
        calls.push(event)
        emitted = error
      },
    }
    const pump = { discardParsedPackets: () => calls.push('discard'), isCurrent: () => true }
    handleAuth(client, { cmd: 'auth' }, pump)
    expect(calls).toEqual(['discard', 'cleanUp true', 'error'])
    expect(classifyError(emitted, 'broker', 'tcp', true)).toMatchObject({ code: 'PROTOCOL_ERROR', reasonCode: 130 })
  })

  it('the keep-alive timer is the native one', () => {
    const { default: getTimer } = require('../build/shims/mqtt-get-timer.cjs') as {
      default: () => { set(f: () => void, ms: number): unknown; clear(id: unknown): void }
    }
    const timer = getTimer()
    const id = timer.set(() => {}, 1000)
    timer.clear(id)
    expect(typeof id).toBe('object')
  })
})

describe("the stand-in for readable-stream's validators", () => {
  // Loaded as the bundle loads it: from readable-stream's own folder, next to the module it replaces.
  const original = require.resolve('readable-stream/lib/internal/validators.js')
  const fromThere = createRequire(original)
  const stand = { exports: {} as Record<string, (...args: unknown[]) => void> }
  new Function(
    'exports',
    'require',
    readFileSync(new URL('../build/shims/stream-validators.cjs', import.meta.url), 'utf8'),
  )(stand.exports, fromThere)
  const real = fromThere(original) as Record<string, (...args: unknown[]) => void>
  const outcome = (fn: (...args: unknown[]) => void, args: unknown[]) => {
    try {
      fn(...args)
      return 'ok'
    } catch (error) {
      return `${(error as Error).name} ${(error as { code?: string }).code}: ${(error as Error).message}`
    }
  }
  const cases: Record<string, unknown[][]> = {
    // The stream classes call it without its third argument (readable-stream 4.8's own version fails on one:
    // its primordials lack ObjectPrototypeHasOwnProperty), so that is the form compared.
    validateObject: [
      [{}, 'o'],
      [null, 'o'],
      [[], 'o'],
      [() => {}, 'o'],
      ['x', 'o'],
    ],
    validateInteger: [
      [5, 'n', 0],
      [-1, 'n', 0],
      [1.5, 'n'],
      ['5', 'n'],
      [2 ** 60, 'n'],
    ],
    validateAbortSignal: [
      [undefined, 's'],
      [null, 's'],
      [{ aborted: false }, 's'],
      [{}, 's'],
      ['x', 's'],
    ],
    validateFunction: [
      [() => {}, 'f'],
      [1, 'f'],
    ],
    validateBoolean: [
      [true, 'b'],
      [0, 'b'],
    ],
  }
  for (const [name, inputs] of Object.entries(cases)) {
    it(`${name} accepts and refuses what the original does, with the same errors`, () => {
      for (const args of inputs) expect(outcome(stand.exports[name]!, args)).toBe(outcome(real[name]!, args))
    })
  }
})
