import { readFileSync, renameSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as vm from 'node:vm'
import { resolveMiniprogramNpm } from './npm-resolve.js'

/** The built mini-program bundle of `@tidings/transport-wechat`. */
export const BUNDLE_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'transport-wechat',
  'miniprogram_dist',
  'index.js',
)

/**
 * Builds the mini-program bundle. Test files that run at the same time may all call this: each writes
 * a file of its own and renames it into place, so a reader never sees half a file.
 */
export async function buildBundle(): Promise<string> {
  const { bundle } = await import('../../../transport-wechat/scripts/bundle.mjs')
  const temp = `${BUNDLE_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  await bundle({ outfile: temp })
  renameSync(temp, BUNDLE_FILE)
  return BUNDLE_FILE
}

/** Timers that stop firing while the app is "suspended", like a mini-program's JS thread in the background. */
export interface FreezableTimers {
  setTimeout(fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): number
  clearTimeout(id: number | undefined): void
  setInterval(fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): number
  clearInterval(id: number | undefined): void
  /** Timers that come due from now on are held back. */
  freeze(): void
  /** Runs the held timers, in order, and lets timers fire again. */
  thaw(): void
  readonly frozen: boolean
  /** Timers still scheduled (held ones included): for checking a clean shutdown. */
  active(): number
  /** Cancels everything. */
  dispose(): void
}

export function freezableTimers(): FreezableTimers {
  let frozen = false
  let nextId = 1
  const live = new Map<number, { handle: NodeJS.Timeout; interval: boolean }>()
  const held = new Map<number, () => void>()
  const fire = (id: number, run: () => void): void => {
    if (frozen) held.set(id, run)
    else run()
  }
  const clear = (id: number | undefined): void => {
    if (id === undefined) return
    const entry = live.get(id)
    if (entry) (entry.interval ? clearInterval : clearTimeout)(entry.handle)
    live.delete(id)
    held.delete(id)
  }
  return {
    setTimeout(fn, ms = 0, ...args) {
      const id = nextId++
      const handle = setTimeout(() => {
        live.delete(id)
        fire(id, () => fn(...args))
      }, ms)
      live.set(id, { handle, interval: false })
      return id
    },
    clearTimeout: clear,
    setInterval(fn, ms = 0, ...args) {
      const id = nextId++
      // While frozen, an interval owes at most one run (the others were never scheduled on a device).
      const handle = setInterval(() => fire(id, () => fn(...args)), Math.max(1, ms))
      live.set(id, { handle, interval: true })
      return id
    },
    clearInterval: clear,
    freeze() {
      frozen = true
    },
    thaw() {
      frozen = false
      const due = [...held.values()]
      held.clear()
      for (const run of due) run()
    },
    get frozen() {
      return frozen
    },
    active: () => live.size + held.size,
    dispose() {
      for (const id of [...live.keys()]) clear(id)
      held.clear()
    },
  }
}

/** Options of {@link loadMiniProgram}. */
export interface SandboxOptions {
  /** Platform globals: `wx`, `Page`, `getApp`, … */
  globals?: Record<string, unknown>
  /**
   * How to hide `globalThis`: `'shadow'` runs the bundle with `globalThis` bound to undefined, `'delete'`
   * removes it from the context, `'keep'` leaves it. @default 'shadow'
   */
  globalThis?: 'shadow' | 'delete' | 'keep'
  /** The bundle to load. @default the built `miniprogram_dist/index.js` */
  file?: string
  /**
   * Globals that exist but throw when anything is read from them (a property, `in`, a call): for
   * proving the bundle at most checks them with `typeof` while it loads.
   */
  trap?: string[]
}

/** A mini-program-like JavaScript context with the bundle loaded. */
export interface MiniProgramSandbox {
  readonly context: vm.Context
  readonly timers: FreezableTimers
  /** `module.exports` of the bundle. */
  readonly exports: Record<string, any>
  /** Evaluates code in the sandbox (for values of its own realm: `new Uint8Array(…)`). */
  evaluate<T = unknown>(code: string): T
  /**
   * Runs a CommonJS file as a mini-program module: `require` resolves npm packages in the `miniprogram_npm`
   * folders above the requiring file as WeChat does (the loaded bundle's file is the bundle itself), the
   * package name of the bundle (and `miniprogram_npm` paths) to the bundle, and relative paths within `files`.
   */
  runModule(file: string, files?: Record<string, string>): Record<string, any>
  /** A realm-correct ArrayBuffer holding these bytes, as the platform hands messages to the app. */
  arrayBuffer(bytes: Uint8Array): ArrayBuffer
  dispose(): void
}

/**
 * Loads the bundle in a `vm` context that has only what a mini-program's logic layer has: ECMAScript
 * built-ins, `console`, timers and the platform globals passed in. No `window`, `self`, `navigator`,
 * `document`, `process`, `Buffer`, `require`, `TextEncoder`/`TextDecoder`, `AbortController`, `URL`,
 * `queueMicrotask`, and (by default) no `globalThis`.
 */
export function loadMiniProgram(options: SandboxOptions = {}): MiniProgramSandbox {
  const timers = freezableTimers()
  const sandboxConsole = {
    log: () => {},
    info: () => {},
    debug: () => {},
    warn: console.warn.bind(console),
    error: console.error.bind(console),
  }
  const context = vm.createContext({
    console: sandboxConsole,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    setInterval: timers.setInterval,
    clearInterval: timers.clearInterval,
    ...options.globals,
  })
  const mode = options.globalThis ?? 'shadow'
  for (const name of options.trap ?? []) {
    const fail = (): never => {
      throw new Error(`the bundle read from the global ${name}`)
    }
    context[name] = new Proxy(function trapped() {}, {
      get: fail,
      has: fail,
      apply: fail,
      construct: fail,
      ownKeys: fail,
      getPrototypeOf: fail,
    })
  }
  if (mode === 'delete') vm.runInContext('delete globalThis.globalThis', context)
  const bundleFile = resolve(options.file ?? BUNDLE_FILE)
  const code = readFileSync(bundleFile, 'utf8')
  const wrapper = vm.runInContext(`(function (module, exports, globalThis) {${code}\n})`, context, {
    filename: 'miniprogram_npm/@tidings/transport-wechat/index.js',
  }) as (
    module: { exports: Record<string, unknown> },
    exports: Record<string, unknown>,
    globalThisValue: unknown,
  ) => void
  const module = { exports: vm.runInContext('({})', context) as Record<string, unknown> }
  wrapper(module, module.exports, mode === 'keep' ? vm.runInContext('this', context) : undefined)
  const exports = module.exports as Record<string, any>
  const SandboxArrayBuffer = vm.runInContext('ArrayBuffer', context) as ArrayBufferConstructor

  const runModule = (file: string, files: Record<string, string> = {}): Record<string, any> => {
    const cache = new Map<string, Record<string, any>>()
    const load = (path: string): Record<string, any> => {
      const cached = cache.get(path)
      if (cached) return cached
      const source = files[path] ?? readFileSync(path, 'utf8')
      const mod = { exports: vm.runInContext('({})', context) as Record<string, any> }
      cache.set(path, mod.exports)
      const fn = vm.runInContext(`(function (module, exports, require) {${source}\n})`, context, {
        filename: path,
      }) as (m: typeof mod, e: Record<string, any>, r: (id: string) => unknown) => void
      const localRequire = (id: string): unknown => {
        if (!id.startsWith('.') && !id.startsWith('/')) {
          // An npm package as 构建 npm laid it out; the loaded bundle itself is handed out as it is.
          const found = resolveMiniprogramNpm(path, id)
          if (found && resolve(found) !== bundleFile) return load(found)
        }
        if (id === '@tidings/transport-wechat' || id.endsWith('miniprogram_npm/@tidings/transport-wechat/index'))
          return exports
        if (id.startsWith('.')) {
          const resolved = join(dirname(path), id)
          return load(resolved.endsWith('.js') ? resolved : `${resolved}.js`)
        }
        throw new Error(`mini-programs cannot require ${JSON.stringify(id)}`)
      }
      fn(mod, mod.exports, localRequire)
      cache.set(path, mod.exports)
      return mod.exports
    }
    return load(file)
  }

  return {
    context,
    timers,
    exports,
    evaluate: <T>(source: string) => vm.runInContext(source, context) as T,
    runModule,
    arrayBuffer(bytes) {
      const out = new SandboxArrayBuffer(bytes.byteLength)
      new Uint8Array(out).set(bytes)
      return out
    },
    dispose: () => timers.dispose(),
  }
}
