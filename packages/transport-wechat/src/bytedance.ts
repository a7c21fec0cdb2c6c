import type { Transport } from '@tidings/core'
import { errMsgOf, miniTransport, platformError } from './mini-transport.js'
import type { MiniTransportOptions } from './options.js'
import type { TtLike } from './platform-types.js'
import { bindSocketTask } from './socket-task.js'

declare const tt: TtLike | undefined

const TRANSPORT_NAME = 'bytedance'

/** Options of {@link bytedance}. */
export interface BytedanceOptions extends MiniTransportOptions {
  /** The `tt` object. @default the global `tt`, read when connecting */
  tt?: TtLike
}

/**
 * MQTT over a ByteDance (Douyin, Toutiao) mini-program SocketTask (`tt.connectSocket`).
 * Close codes, which `tt` may report as strings, are turned into numbers. The broker must echo the
 * `mqtt` subprotocol in its handshake or `tt` fails the connection (EMQX, Mosquitto and Aliyun do).
 *
 * @example
 * ```ts
 * createClient({ broker: emqx({ host: 'mq.example.com' }), transport: bytedance() })
 * ```
 */
export function bytedance(options: BytedanceOptions = {}): Transport {
  return miniTransport<TtLike>(
    {
      name: TRANSPORT_NAME,
      global: 'tt',
      resolve: () => options.tt ?? (typeof tt !== 'undefined' ? tt : undefined),
      connect(platform, request, events) {
        const task = platform.connectSocket({
          url: request.url,
          protocols: request.protocols,
          tcpNoDelay: true,
          ...(request.header ? { header: request.header } : {}),
          fail: (result) =>
            events.error(platformError(TRANSPORT_NAME, errMsgOf(result, 'connectSocket failed'), result)),
        })
        return bindSocketTask(TRANSPORT_NAME, task, events)
      },
    },
    options,
  )
}
