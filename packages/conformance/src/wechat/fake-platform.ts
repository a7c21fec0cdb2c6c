import { createAppEvents, type AppEvents } from './app-events.js'
import type { Wire, WireConnection } from './wire.js'

/**
 * Which platform's documented SocketTask shape a fake follows. `'uni-my'` is uni-app compiled to Alipay:
 * uni-app's `connectSocket` (a Promise unless a callback is passed) handing over Alipay's socket.
 */
export type PlatformShape = 'wx' | 'my' | 'uni' | 'uni-my' | 'tt'

/** Options of {@link createFakePlatform}. */
export interface FakePlatformOptions {
  wire: Wire
  /** Open sockets the platform allows. @default 5 */
  maxSockets?: number
  /**
   * Makes the ArrayBuffers handed to the app. A sandboxed app needs buffers of its own realm, as a real
   * platform gives it. @default a Node ArrayBuffer
   */
  arrayBuffer?: (bytes: Uint8Array) => ArrayBuffer
}

/** What the fake knows about one task it handed out. */
export interface FakeTask {
  readonly id: number
  readonly options: Record<string, unknown>
  state: 'connecting' | 'open' | 'closing' | 'closed'
  /** `data` of every accepted `send`, as the app passed it. */
  readonly sent: Array<string | ArrayBuffer>
  /** Bytes of every accepted binary `send`. */
  readonly sentBytes: Uint8Array[]
  /** `send` calls refused (wrong data type, socket not open). */
  sendFailures: string[]
  closeCalls: number
  /** `close` calls on a task that was already closing or closed. */
  closeFailures: number
  connection: WireConnection | undefined
}

/** A fake mini-program platform object (`wx`, `my`, `uni` or `tt`) and the handles a test needs. */
export interface FakePlatform {
  /** The object to inject: `wechat({ wx: platform.api })`. */
  readonly api: Record<string, unknown>
  readonly app: AppEvents
  readonly tasks: FakeTask[]
  /** `connectSocket` option objects, in call order. */
  readonly calls: Array<Record<string, unknown>>
  /**
   * The app is suspended in the background: every open socket is cut, and its close is reported as
   * `{ code: 1000, reason: 'interrupted' }`, now or (with `defer`) when the returned function is called.
   */
  interrupt(options?: { defer?: boolean }): () => void
}

type Callbacks = { success?: (r: unknown) => void; fail?: (r: unknown) => void; complete?: (r: unknown) => void }
type Listener = (result: unknown) => void

const later = (fn: () => void): void => void Promise.resolve().then(fn)

/**
 * A mini-program platform object following the documented shapes of its SocketTask:
 * - `wx`: `{ data }` messages, `{ code, reason }` closes, `{ errMsg }` errors; `send` takes only a string or ArrayBuffer.
 * - `my`: a task only with `multiple: true`; `protocols` is dropped (use the header); messages nested as
 *   `{ data: { data, isBuffer } }` with binary as base64; `send({ data: base64, isBuffer: true })`; closes without a code.
 * - `uni`: a SocketTask only when a callback is passed, otherwise a Promise.
 * - `uni-my` (uni-app on Alipay): `uni`'s Promise rule, `getSystemInfoSync().uniPlatform === 'mp-alipay'`,
 *   and everything else as `my`: uni-app passes `multiple` through and drops `protocols`.
 * - `tt`: close codes are strings.
 * All of them allow `maxSockets` open sockets and fail `close` on a socket that is not connected.
 */
export function createFakePlatform(shape: PlatformShape, options: FakePlatformOptions): FakePlatform {
  const app = createAppEvents()
  const tasks: FakeTask[] = []
  const calls: Array<Record<string, unknown>> = []
  const closers = new Map<FakeTask, (code: number, reason: string) => void>()
  const maxSockets = options.maxSockets ?? 5
  // uni-app compiled to Alipay behaves as Alipay once the call reaches the platform.
  const alipayLike = shape === 'my' || shape === 'uni-my'
  const uniLike = shape === 'uni' || shape === 'uni-my'
  const toArrayBuffer = options.arrayBuffer ?? ((bytes: Uint8Array) => bytes.slice().buffer)
  let nextId = 1

  const connectSocket = (opts: Record<string, unknown> & Callbacks): unknown => {
    calls.push(opts)
    const hasCallback =
      typeof opts.success === 'function' || typeof opts.fail === 'function' || typeof opts.complete === 'function'
    if (uniLike && !hasCallback) return Promise.resolve({ errMsg: 'connectSocket:ok' })
    if (alipayLike && opts.multiple !== true) return undefined

    const listeners = {
      open: [] as Listener[],
      message: [] as Listener[],
      close: [] as Listener[],
      error: [] as Listener[],
    }
    const emit = (kind: keyof typeof listeners, result: unknown): void => {
      for (const l of [...listeners[kind]]) l(result)
    }
    const task: FakeTask = {
      id: nextId++,
      options: opts,
      state: 'connecting',
      sent: [],
      sentBytes: [],
      sendFailures: [],
      closeCalls: 0,
      closeFailures: 0,
      connection: undefined,
    }
    tasks.push(task)

    const fail = (cb: Callbacks, errMsg: string, code = 1): void => {
      const result = alipayLike ? { error: code, errorMessage: errMsg } : { errMsg }
      later(() => {
        cb.fail?.(result)
        cb.complete?.(result)
      })
    }
    const ok = (cb: Callbacks, name: string): void => {
      later(() => {
        cb.success?.({ errMsg: `${name}:ok` })
        cb.complete?.({ errMsg: `${name}:ok` })
      })
    }
    const closed = (code: number, reason: string): void => {
      if (task.state === 'closed') return
      task.state = 'closed'
      if (alipayLike) emit('close', { data: { socketTaskID: task.id } })
      else if (shape === 'tt') emit('close', { code: String(code), reason, errMsg: 'closeSocket:ok' })
      else emit('close', { code, reason })
    }
    closers.set(task, closed)

    const handle = {
      onOpen: (l: Listener) => void listeners.open.push(l),
      onMessage: (l: Listener) => void listeners.message.push(l),
      onClose: (l: Listener) => void listeners.close.push(l),
      onError: (l: Listener) => void listeners.error.push(l),
      send(sendOpts: { data: unknown; isBuffer?: boolean } & Callbacks) {
        if (task.state !== 'open') {
          task.sendFailures.push('not connected')
          return fail(sendOpts, 'sendSocketMessage:fail WebSocket is not connected')
        }
        const { data } = sendOpts
        let bytes: Uint8Array | string
        if (alipayLike && sendOpts.isBuffer === true) {
          if (typeof data !== 'string') {
            task.sendFailures.push('isBuffer needs base64')
            return fail(sendOpts, 'sendSocketMessage:fail isBuffer data must be a base64 string')
          }
          bytes = new Uint8Array(Buffer.from(data, 'base64'))
        } else if (typeof data === 'string') {
          bytes = data
        } else if (Object.prototype.toString.call(data) === '[object ArrayBuffer]') {
          bytes = new Uint8Array((data as ArrayBuffer).slice(0))
        } else {
          task.sendFailures.push('parameter error')
          return fail(
            sendOpts,
            'sendSocketMessage:fail parameter error: parameter.data should be String or ArrayBuffer',
          )
        }
        task.sent.push(data as string | ArrayBuffer)
        if (typeof bytes !== 'string') task.sentBytes.push(bytes)
        task.connection!.send(bytes, (error) =>
          error ? fail(sendOpts, `sendSocketMessage:fail ${error.message}`) : ok(sendOpts, 'sendSocketMessage'),
        )
      },
      close(closeOpts: { code?: number; reason?: string } & Callbacks = {}) {
        task.closeCalls++
        if (task.state === 'closing' || task.state === 'closed' || !task.connection) {
          task.closeFailures++
          return fail(closeOpts, 'closeSocket:fail WebSocket is not connected')
        }
        task.state = 'closing'
        task.connection.close(closeOpts.code ?? 1000, closeOpts.reason ?? '')
        ok(closeOpts, 'closeSocket')
      },
    }

    const open = tasks.filter((t) => t !== task && (t.state === 'connecting' || t.state === 'open')).length
    if (open >= maxSockets) {
      task.state = 'closed'
      fail(opts, 'connectSocket:fail exceed max task count', 10)
      return handle
    }

    const header = { ...(opts.header as Record<string, string> | undefined) }
    // Alipay drops the `protocols` option; the subprotocol only arrives through the header.
    const protocols = alipayLike ? [] : ((opts.protocols as string[] | undefined) ?? [])
    task.connection = options.wire(
      { url: String(opts.url), protocols, header, timeoutMs: opts.timeout as number | undefined },
      {
        open() {
          if (task.state !== 'connecting') return
          task.state = 'open'
          emit('open', { header: {}, profile: {} })
        },
        message(data) {
          if (task.state === 'closed') return
          if (typeof data === 'string') {
            if (alipayLike) emit('message', { data: { socketTaskID: task.id, data, isBuffer: false } })
            else emit('message', { data })
            return
          }
          if (alipayLike)
            emit('message', {
              data: { socketTaskID: task.id, data: Buffer.from(data).toString('base64'), isBuffer: true },
            })
          else if (shape === 'tt')
            emit('message', { data: toArrayBuffer(data), protocolType: 'mqtt', socketType: 'tradition' })
          else emit('message', { data: toArrayBuffer(data) })
        },
        close: (code, reason) => closed(code, reason),
        error(message) {
          if (task.state === 'closed') return
          if (alipayLike) emit('error', { data: { socketTaskID: task.id }, error: 1, errorMessage: message })
          else emit('error', { errMsg: message })
        },
      },
    )
    ok(opts, 'connectSocket')
    return handle
  }

  const interrupt = ({ defer = false }: { defer?: boolean } = {}): (() => void) => {
    const victims = tasks.filter((t) => t.state === 'open' || t.state === 'connecting')
    const report: Array<() => void> = []
    for (const task of victims) {
      task.connection?.cut()
      report.push(() => closers.get(task)?.(1000, 'interrupted'))
    }
    const deliver = (): void => {
      for (const r of report) r()
    }
    if (!defer) deliver()
    return deliver
  }

  return {
    api: {
      connectSocket,
      ...app,
      ...(uniLike
        ? { getSystemInfoSync: () => ({ uniPlatform: shape === 'uni-my' ? 'mp-alipay' : 'mp-weixin' }) }
        : {}),
    },
    app,
    tasks,
    calls,
    interrupt,
  }
}
