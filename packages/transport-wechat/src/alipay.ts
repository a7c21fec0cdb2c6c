import { TidingsError, exactArrayBuffer, fromBase64, toBase64, type CloseInfo, type Transport } from '@tidings/core'
import { miniTransport, platformError, type PlatformSocketEvents } from './mini-transport.js'
import type { MiniTransportOptions } from './options.js'
import type { AlipayErrorResult, AlipayMessageResult, MyLike } from './platform-types.js'

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
  const base64 = (options.binary ?? 'base64') === 'base64'
  const inHeader = (options.protocolsIn ?? 'header') === 'header'
  return miniTransport<MyLike>(
    {
      name: TRANSPORT_NAME,
      global: 'my',
      resolve: () => options.my ?? (typeof my !== 'undefined' ? my : undefined),
      connect(platform, request, events) {
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
          fail: (result) => events.error(alipayError(result, 'connectSocket failed')),
        })
        if (!task || typeof task.onOpen !== 'function') {
          throw new TidingsError(
            'UNSUPPORTED',
            'my.connectSocket({ multiple: true }) returned no SocketTask: this Alipay base library is too old',
            { adapter: TRANSPORT_NAME },
          )
        }
        task.onOpen(() => events.open())
        task.onMessage((result) => deliver(result, events))
        task.onClose((result) => events.close(alipayCloseInfo(result)))
        task.onError((result) => events.error(alipayError(result, 'socket error')))
        return {
          send(data, done) {
            task.send({
              ...(base64 ? { data: toBase64(data), isBuffer: true } : { data: exactArrayBuffer(data) }),
              success: () => done(),
              fail: (result) => done(alipayError(result, 'send failed')),
            })
          },
          close(code, reason) {
            task.close({ code, reason, fail: () => {} })
          },
        }
      },
    },
    options,
  )
}

/** Message events come as `{ data: { data, isBuffer } }` from a task and `{ data, isBuffer }` globally. */
function deliver(result: AlipayMessageResult, events: PlatformSocketEvents): void {
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
          adapter: TRANSPORT_NAME,
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

function alipayError(result: AlipayErrorResult | undefined, fallback: string): TidingsError {
  const text = result?.errorMessage ?? result?.errMsg
  const message = `${text && text.length > 0 ? text : fallback}${typeof result?.error === 'number' ? ` (error ${result.error})` : ''}`
  return platformError(TRANSPORT_NAME, message, result)
}

function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return value instanceof ArrayBuffer || Object.prototype.toString.call(value) === '[object ArrayBuffer]'
}
