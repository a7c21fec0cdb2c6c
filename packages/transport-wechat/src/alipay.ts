import { TidingsError, exactArrayBuffer, fromBase64, toBase64, type CloseInfo, type Transport } from '@tidings/core'
import {
  miniTransport,
  platformError,
  type PlatformSocket,
  type PlatformSocketEvents,
  type SocketRequest,
} from './mini-transport.js'
import type { MiniTransportOptions } from './options.js'
import type {
  AlipayErrorResult,
  AlipayMessageResult,
  AlipaySocketTaskLike,
  ApiCallbacks,
  MyLike,
} from './platform-types.js'

declare const my: MyLike | undefined

const TRANSPORT_NAME = 'alipay'

/** Options of {@link alipay}. */
export interface AlipayOptions extends MiniTransportOptions {
  /** The `my` object. @default the global `my`, read when connecting */
  my?: MyLike
  /**
   * How binary frames are sent. Alipay documents `SocketTask.send` with string data, and binary as a
   * base64 string flagged `isBuffer: true`; `'arraybuffer'` sends the bytes as they are.
   * @default 'base64'
   */
  binary?: 'base64' | 'arraybuffer'
  /**
   * Where the `mqtt` subprotocol goes. Some Alipay clients drop the `protocols` option, so by default
   * it is sent as the `Sec-WebSocket-Protocol` header.
   * @default 'header'
   */
  protocolsIn?: 'header' | 'option'
}

/**
 * MQTT over an Alipay mini-program SocketTask (`my.connectSocket({ multiple: true })`).
 * Unwraps Alipay's nested message events and decodes base64 binary frames.
 *
 * @example
 * ```ts
 * createClient({ broker: emqx({ host: 'mq.example.com' }), transport: alipay() })
 * ```
 */
export function alipay(options: AlipayOptions = {}): Transport {
  return miniTransport<MyLike>(
    {
      name: TRANSPORT_NAME,
      global: 'my',
      resolve: () => options.my ?? (typeof my !== 'undefined' ? my : undefined),
      connect: (platform, request, events) => connectAlipaySocket(TRANSPORT_NAME, platform, request, events, options),
    },
    options,
  )
}

/** A platform whose `connectSocket` follows Alipay's: `my`, and `uni` when uni-app compiled to Alipay. */
export interface AlipayConnectApi {
  connectSocket(options: AlipayConnectOptions): unknown
}

/** What {@link connectAlipaySocket} passes to `connectSocket`. */
export type AlipayConnectOptions = {
  url: string
  header?: Record<string, string>
  protocols?: string[]
  multiple?: boolean
  timeout?: number
} & ApiCallbacks<unknown, AlipayErrorResult>

/**
 * Opens one socket the Alipay way: `multiple: true` (else there is no SocketTask, only the app's one
 * global socket), the subprotocol as a header unless asked otherwise (Alipay, and uni-app on Alipay,
 * drop `protocols`), nested message events unwrapped, binary frames as base64 by default.
 */
export function connectAlipaySocket(
  name: string,
  platform: AlipayConnectApi,
  request: SocketRequest,
  events: PlatformSocketEvents,
  options: Pick<AlipayOptions, 'binary' | 'protocolsIn'> = {},
): PlatformSocket {
  const base64 = (options.binary ?? 'base64') === 'base64'
  const inHeader = (options.protocolsIn ?? 'header') === 'header'
  const header = inHeader
    ? { ...request.header, 'Sec-WebSocket-Protocol': request.protocols.join(', ') }
    : request.header
  const task = platform.connectSocket({
    url: request.url,
    // Without `multiple` Alipay hands out one global socket shared by the whole app.
    multiple: true,
    timeout: request.timeoutMs,
    ...(inHeader ? {} : { protocols: request.protocols }),
    ...(header ? { header } : {}),
    fail: (result) => events.error(alipayError(name, result, 'connectSocket failed')),
  })
  if (!isAlipayTask(task)) {
    throw new TidingsError(
      'UNSUPPORTED',
      'connectSocket({ multiple: true }) returned no SocketTask: this Alipay base library is too old',
      { adapter: name },
    )
  }
  task.onOpen(() => events.open())
  task.onMessage((result) => deliver(name, result, events))
  task.onClose((result) => events.close(alipayCloseInfo(result)))
  task.onError((result) => events.error(alipayError(name, result, 'socket error')))
  return {
    send(data, done) {
      task.send({
        ...(base64 ? { data: toBase64(data), isBuffer: true } : { data: exactArrayBuffer(data) }),
        success: () => done(),
        fail: (result) => done(alipayError(name, result, 'send failed')),
      })
    },
    close(code, reason) {
      task.close({ code, reason, fail: () => {} })
    },
  }
}

function isAlipayTask(value: unknown): value is AlipaySocketTaskLike {
  return typeof value === 'object' && value !== null && typeof (value as { onOpen?: unknown }).onOpen === 'function'
}

/** Message events come as `{ data: { data, isBuffer } }` from a task and `{ data, isBuffer }` globally. */
function deliver(name: string, result: AlipayMessageResult, events: PlatformSocketEvents): void {
  const outer = result ?? {}
  const nested =
    typeof outer.data === 'object' && outer.data !== null && !isArrayBuffer(outer.data) ? outer.data : undefined
  const data = nested ? nested.data : (outer.data as string | ArrayBuffer | undefined)
  const isBuffer = nested ? nested.isBuffer : outer.isBuffer
  if (data === undefined) return
  if (typeof data === 'string' && isBuffer) {
    let bytes: Uint8Array
    try {
      bytes = fromBase64(data)
    } catch (error) {
      return events.error(
        new TidingsError('TRANSPORT_ERROR', 'a binary frame was not valid base64', {
          adapter: name,
          cause: error,
        }),
      )
    }
    return events.message(bytes)
  }
  events.message(data)
}

function alipayCloseInfo(
  result: { code?: number; reason?: string; data?: { code?: number; reason?: string } } | undefined,
): CloseInfo {
  const info: CloseInfo = {}
  const code = result?.code ?? result?.data?.code
  const reason = result?.reason ?? result?.data?.reason
  if (typeof code === 'number') info.code = code
  if (typeof reason === 'string' && reason.length > 0) info.reason = reason
  return info
}

function alipayError(name: string, result: AlipayErrorResult | undefined, fallback: string): TidingsError {
  const text = result?.errorMessage ?? result?.errMsg
  const message = `${text && text.length > 0 ? text : fallback}${typeof result?.error === 'number' ? ` (error ${result.error})` : ''}`
  return platformError(name, message, result)
}

function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return value instanceof ArrayBuffer || Object.prototype.toString.call(value) === '[object ArrayBuffer]'
}
