import { TidingsError, type Transport } from '@tidings/core'
import { errMsgOf, miniTransport, platformError } from './mini-transport.js'
import type { MiniTransportOptions } from './options.js'
import type { ConnectSocketOptions, SocketTaskLike, TtLike, UniLike, WxLike } from './platform-types.js'
import { bindSocketTask } from './socket-task.js'
import { connectAlipaySocket } from './alipay.js'

declare const wx: WxLike | undefined
declare const uni: UniLike | undefined
declare const tt: TtLike | undefined

/** Any platform whose `connectSocket` takes WeChat's options and returns (or may return) a SocketTask. */
type SocketTaskApi = WxLike | UniLike | TtLike

/** How one SocketTask platform differs from WeChat's: nothing else is platform specific. */
interface SocketTaskPlatform {
  /** Transport name, for errors and logs. */
  readonly name: 'wechat' | 'uniapp' | 'bytedance'
  /** The platform object's option and global name. */
  readonly global: 'wx' | 'uni' | 'tt'
  /** The global platform object, when the code runs on that platform. Read when connecting, never at load. */
  readonly fromGlobal: () => SocketTaskApi | undefined
  /** `connectSocket` takes a connect `timeout` (only WeChat documents one). */
  readonly timeout: boolean
  /**
   * `connectSocket` returns a SocketTask only when a callback is passed (uni-app; otherwise a Promise), so
   * callbacks are always passed and the answer is checked.
   */
  readonly taskNeedsCallbacks: boolean
}

// `typeof` guards: a missing global is a ReferenceError otherwise, and mini-program runtimes have no
// reliable globalThis to look it up on.
const WECHAT: SocketTaskPlatform = {
  name: 'wechat',
  global: 'wx',
  fromGlobal: () => (typeof wx !== 'undefined' ? wx : undefined),
  timeout: true,
  taskNeedsCallbacks: false,
}
const UNIAPP: SocketTaskPlatform = {
  name: 'uniapp',
  global: 'uni',
  fromGlobal: () => (typeof uni !== 'undefined' ? uni : undefined),
  timeout: false,
  taskNeedsCallbacks: true,
}
const BYTEDANCE: SocketTaskPlatform = {
  name: 'bytedance',
  global: 'tt',
  fromGlobal: () => (typeof tt !== 'undefined' ? tt : undefined),
  timeout: false,
  taskNeedsCallbacks: false,
}

/** One transport for every SocketTask platform, driven by its row of the table above. */
function socketTaskTransport(
  platform: SocketTaskPlatform,
  injected: SocketTaskApi | undefined,
  options: MiniTransportOptions,
  /** True when this platform object is really Alipay's (uni-app compiled to Alipay). */
  onAlipay: (api: SocketTaskApi) => boolean = () => false,
): Transport {
  const { name } = platform
  return miniTransport<SocketTaskApi>(
    {
      name,
      global: platform.global,
      resolve: () => injected ?? platform.fromGlobal(),
      connect(api, request, events) {
        if (onAlipay(api)) return connectAlipaySocket(name, api, request, events)
        const call: ConnectSocketOptions = {
          url: request.url,
          protocols: request.protocols,
          // uni-app forwards it to wx.connectSocket when compiled for WeChat; others ignore it.
          tcpNoDelay: true,
          ...(platform.timeout ? { timeout: request.timeoutMs } : {}),
          ...(request.header ? { header: request.header } : {}),
          fail: (result) => events.error(platformError(name, errMsgOf(result, 'connectSocket failed'), result)),
          ...(platform.taskNeedsCallbacks ? { success: () => {}, complete: () => {} } : {}),
        }
        const task: unknown = api.connectSocket(call)
        if (!isSocketTask(task)) {
          throw new TidingsError(
            'UNSUPPORTED',
            `${platform.global}.connectSocket returned no SocketTask (a Promise?): this ${name} runtime is not supported${
              name === 'uniapp' ? ` (compiled to Alipay? pass uniapp({ uniPlatform: 'mp-alipay' }))` : ''
            }`,
            { adapter: name },
          )
        }
        return bindSocketTask(name, task, events)
      },
    },
    options,
  )
}

function isSocketTask(value: unknown): value is SocketTaskLike {
  return typeof value === 'object' && value !== null && typeof (value as { onOpen?: unknown }).onOpen === 'function'
}

/** Options of {@link wechat}. */
export interface WechatOptions extends MiniTransportOptions {
  /** The `wx` object. @default the global `wx`, read when connecting */
  wx?: WxLike
}

/** Options of {@link uniapp}. */
export interface UniappOptions extends MiniTransportOptions {
  /** The `uni` object. @default the global `uni`, read when connecting */
  uni?: UniLike
  /**
   * The platform uni-app compiled to, as `uni.getSystemInfoSync().uniPlatform` names it. Only
   * `'mp-alipay'` changes anything: the socket is then opened the Alipay way (see {@link alipay}).
   * @default `uni.getSystemInfoSync().uniPlatform`, read at the first connect
   */
  uniPlatform?: string
}

/** Options of {@link bytedance}. */
export interface BytedanceOptions extends MiniTransportOptions {
  /** The `tt` object. @default the global `tt`, read when connecting */
  tt?: TtLike
}

/**
 * MQTT over a WeChat mini-program SocketTask (`wx.connectSocket`). `wss://` or `ws://` as the broker
 * profile decides (published mini-programs need `tls: true` or a `wss://` URL). Each connection owns its
 * task; errors reach the client's `error` event; the client reconnects at once when the app returns to the
 * foreground (`wx.onAppShow`) or the network comes back.
 *
 * @example
 * ```ts
 * createClient({ broker: emqx({ host: 'mq.example.com', tls: true }), transport: wechat() })
 * ```
 */
export function wechat(options: WechatOptions = {}): Transport {
  return socketTaskTransport(WECHAT, options.wx, options)
}

/**
 * MQTT over a uni-app SocketTask (`uni.connectSocket`). `uni.connectSocket` returns a SocketTask only
 * when a callback is passed (otherwise a Promise), so the transport always passes them. Compiled to
 * Alipay (`uniPlatform: 'mp-alipay'`), uni-app hands over Alipay's socket: the transport then passes
 * `multiple: true`, sends the subprotocol as a header (uni-app drops `protocols` there) and unwraps
 * Alipay's nested messages, as {@link alipay} does.
 *
 * @example
 * ```ts
 * createClient({ broker: emqx({ host: 'mq.example.com', tls: true }), transport: uniapp() })
 * ```
 */
export function uniapp(options: UniappOptions = {}): Transport {
  let uniPlatform = options.uniPlatform
  const onAlipay = (api: SocketTaskApi): boolean => {
    uniPlatform ??= readUniPlatform(api as UniLike)
    return uniPlatform === 'mp-alipay'
  }
  return socketTaskTransport(UNIAPP, options.uni, options, onAlipay)
}

/** `uni.getSystemInfoSync().uniPlatform`, or `''` where it is missing (older uni-app) or fails. */
function readUniPlatform(api: UniLike): string {
  try {
    const platform = typeof api.getSystemInfoSync === 'function' ? api.getSystemInfoSync()?.uniPlatform : undefined
    return typeof platform === 'string' ? platform : ''
  } catch {
    return ''
  }
}

/**
 * MQTT over a ByteDance (Douyin, Toutiao) mini-program SocketTask (`tt.connectSocket`).
 * Close codes, which `tt` may report as strings, are turned into numbers. The broker must echo the
 * `mqtt` subprotocol in its handshake or `tt` fails the connection (EMQX, Mosquitto and Aliyun do).
 *
 * @example
 * ```ts
 * createClient({ broker: emqx({ host: 'mq.example.com', tls: true }), transport: bytedance() })
 * ```
 */
export function bytedance(options: BytedanceOptions = {}): Transport {
  return socketTaskTransport(BYTEDANCE, options.tt, options)
}
