import type { Transport } from '@tidings/core'
import { errMsgOf, miniTransport, platformError } from './mini-transport.js'
import type { MiniTransportOptions } from './options.js'
import type { WxLike } from './platform-types.js'
import { bindSocketTask } from './socket-task.js'

declare const wx: WxLike | undefined

const TRANSPORT_NAME = 'wechat'

/** Options of {@link wechat}. */
export interface WechatOptions extends MiniTransportOptions {
  /** The `wx` object. @default the global `wx`, read when connecting */
  wx?: WxLike
}

/**
 * MQTT over a WeChat mini-program SocketTask (`wx.connectSocket`), `wss://` by default.
 * Each connection owns its task; errors reach the client's `error` event; the client reconnects at once
 * when the app returns to the foreground (`wx.onAppShow`) or the network comes back.
 *
 * @example
 * ```ts
 * createClient({ broker: emqx({ host: 'mq.example.com' }), transport: wechat() })
 * ```
 */
export function wechat(options: WechatOptions = {}): Transport {
  return miniTransport<WxLike>(
    {
      name: TRANSPORT_NAME,
      global: 'wx',
      resolve: () => options.wx ?? (typeof wx !== 'undefined' ? wx : undefined),
      connect(platform, request, events) {
        const task = platform.connectSocket({
          url: request.url,
          protocols: request.protocols,
          tcpNoDelay: true,
          timeout: request.timeoutMs,
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
