import { TidingsError, type Transport } from '@tidings/core'
import { errMsgOf, miniTransport, platformError } from './mini-transport.js'
import type { MiniTransportOptions } from './options.js'
import type { SocketTaskLike, UniLike } from './platform-types.js'
import { bindSocketTask } from './socket-task.js'

declare const uni: UniLike | undefined

const TRANSPORT_NAME = 'uniapp'

/** Options of {@link uniapp}. */
export interface UniappOptions extends MiniTransportOptions {
  /** The `uni` object. @default the global `uni`, read when connecting */
  uni?: UniLike
}

/**
 * MQTT over a uni-app SocketTask (`uni.connectSocket`), for every platform uni-app compiles to.
 * `uni.connectSocket` returns a SocketTask only when a callback is passed (otherwise a Promise), so
 * the transport always passes them.
 *
 * @example
 * ```ts
 * createClient({ broker: emqx({ host: 'mq.example.com' }), transport: uniapp() })
 * ```
 */
export function uniapp(options: UniappOptions = {}): Transport {
  return miniTransport<UniLike>(
    {
      name: TRANSPORT_NAME,
      global: 'uni',
      resolve: () => options.uni ?? (typeof uni !== 'undefined' ? uni : undefined),
      connect(platform, request, events) {
        const task = platform.connectSocket({
          url: request.url,
          protocols: request.protocols,
          // Forwarded to wx.connectSocket when compiled for WeChat; ignored elsewhere.
          tcpNoDelay: true,
          ...(request.header ? { header: request.header } : {}),
          success: () => {},
          fail: (result) =>
            events.error(platformError(TRANSPORT_NAME, errMsgOf(result, 'connectSocket failed'), result)),
          complete: () => {},
        })
        if (!isSocketTask(task)) {
          throw new TidingsError(
            'UNSUPPORTED',
            'uni.connectSocket returned no SocketTask (a Promise?): this uni-app runtime is not supported',
            { adapter: TRANSPORT_NAME },
          )
        }
        return bindSocketTask(TRANSPORT_NAME, task, events)
      },
    },
    options,
  )
}

function isSocketTask(value: unknown): value is SocketTaskLike {
  return typeof value === 'object' && value !== null && typeof (value as { onOpen?: unknown }).onOpen === 'function'
}
