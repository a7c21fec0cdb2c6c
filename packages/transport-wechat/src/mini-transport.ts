import {
  TidingsError,
  createSocketStream,
  isSecureScheme,
  type CloseInfo,
  type TidingsErrorCode,
  type Transport,
  type TransportScheme,
} from '@tidings/core'
import { createGuard } from './guard.js'
import { platformLifecycle } from './lifecycle.js'
import type { MiniTransportOptions } from './options.js'
import type { LifecycleApi } from './platform-types.js'
import { socketUrl } from './url.js'

// wss first: published mini-programs need it. The broker profile decides; `ws` is what a profile without
// `tls: true` (or a `ws://` URL) serves, and the production guard flags it.
const SCHEMES: readonly TransportScheme[] = ['wss', 'ws']

/** One socket to open, as the transport resolved it. */
export interface SocketRequest {
  readonly url: string
  readonly protocols: string[]
  readonly header: Record<string, string> | undefined
  readonly timeoutMs: number
}

/** What a platform adapter reports about its socket. */
export interface PlatformSocketEvents {
  open(): void
  message(data: ArrayBuffer | ArrayBufferView | string): void
  close(info: CloseInfo): void
  /** The socket (or the connect call) failed; the socket is considered gone. */
  error(error: TidingsError): void
}

/** What a platform adapter offers for one socket. */
export interface PlatformSocket {
  /** Sends exactly these bytes as one binary message. */
  send(data: Uint8Array, done: (error?: Error | null) => void): void
  /** Closes the socket; only called while the platform has reported neither close nor error. */
  close(code: number, reason: string): void
}

/** One platform: its name, where its object comes from, and how to open a socket on it. */
export interface PlatformAdapter<P extends LifecycleApi> {
  /** Transport name: `'wechat'`, `'alipay'`, `'uniapp'`, `'bytedance'`. */
  readonly name: string
  /** The option and global name of the platform object: `'wx'`, `'my'`, `'uni'`, `'tt'`. */
  readonly global: string
  /** The injected platform object, else the global one, read at call time. */
  resolve(): P | undefined
  connect(platform: P, request: SocketRequest, events: PlatformSocketEvents): PlatformSocket
}

/**
 * Builds a transport from a platform adapter. All state (socket count, warnings, lifecycle listeners)
 * lives in the returned object, so two transports never share anything.
 */
export function miniTransport<P extends LifecycleApi>(
  adapter: PlatformAdapter<P>,
  options: MiniTransportOptions = {},
): Transport {
  const guard = createGuard(adapter.name, options)
  const lifecycle = platformLifecycle(() => adapter.resolve())
  return {
    name: adapter.name,
    scheme: 'wss',
    schemes: SCHEMES,
    lifecycle,
    open(endpoint, { scheme, protocols, connectTimeoutMs }) {
      const platform = adapter.resolve()
      if (!platform || typeof (platform as { connectSocket?: unknown }).connectSocket !== 'function') {
        throw new TidingsError(
          'INVALID_OPTIONS',
          `${adapter.global}.connectSocket is not available: pass the platform object, e.g. ${adapter.name}({ ${adapter.global} })`,
          { adapter: adapter.name },
        )
      }
      const secure = isSecureScheme(scheme)
      const url = socketUrl(endpoint, secure)
      guard.checkUrl(url, endpoint.host, secure)
      const release = guard.acquire()
      const request: SocketRequest = { url, protocols, header: options.header, timeoutMs: connectTimeoutMs }
      try {
        return createSocketStream((events) => {
          // Once the platform reported close or error the task is gone: closing it again only produces
          // "closeSocket:fail WebSocket is not connected" (and, in some SDKs, reconnect loops).
          let gone = false
          const goneNow = (): void => {
            gone = true
            release()
          }
          const socket = adapter.connect(platform, request, {
            open: () => events.open(),
            message: (data) => events.message(data),
            close: (info) => {
              goneNow()
              events.close(info)
            },
            error: (error) => {
              goneNow()
              events.error(error)
            },
          })
          return {
            send: (data, done) => socket.send(data, done),
            close: (code, reason) => {
              if (gone) return
              goneNow()
              socket.close(code ?? 1000, reason ?? 'client closed')
            },
          }
        })
      } catch (error) {
        release()
        throw TidingsError.from(error, 'TRANSPORT_ERROR', { adapter: adapter.name })
      }
    },
  }
}

/**
 * A TidingsError for a platform failure message. The socket limit has its own code so apps can tell
 * "too many sockets" (uniPush, log echo and other SDKs share the quota) from a network problem.
 */
export function platformError(adapter: string, message: string, cause?: unknown): TidingsError {
  const code: TidingsErrorCode = /exceed|max(imum)? .*(task|socket|count)|limit/i.test(message)
    ? 'QUOTA_EXCEEDED'
    : 'TRANSPORT_ERROR'
  return new TidingsError(code, message || 'socket error', { adapter, ...(cause === undefined ? {} : { cause }) })
}

/** The message of a WeChat-style failure result. */
export function errMsgOf(result: unknown, fallback: string): string {
  const message = (result as { errMsg?: unknown } | null | undefined)?.errMsg
  return typeof message === 'string' && message.length > 0 ? message : fallback
}
