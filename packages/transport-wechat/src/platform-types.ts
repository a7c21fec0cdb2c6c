/**
 * The parts of each mini-program platform's socket API that the transports use, typed structurally so
 * no platform typings package is needed. Shapes follow the platforms' documentation, and the platforms'
 * own typings (`miniprogram-api-typings`, `@mini-types/alipay`, `@dcloudio/types`,
 * `@douyin-microapp/typings`) are assignable to them: the conformance tests compile `wechat({ wx })` and
 * the others against each of them. Members are declared as methods so a platform typing whose callback
 * parameters are narrower than ours (or, for `off*`, typed differently) is still accepted.
 *
 * @module
 */

/** Callbacks every mini-program API call accepts. They report the *call*, not the socket's state. */
export interface ApiCallbacks<Ok = unknown, Fail = unknown> {
  success?(result: Ok): void
  fail?(result: Fail): void
  complete?(result: Ok | Fail): void
}

/** A WeChat-style failure: `{ errMsg: 'connectSocket:fail …' }`. */
export interface ErrMsgResult {
  errMsg?: string
}

/** `SocketTask` of WeChat (`wx`), uni-app (`uni`) and ByteDance (`tt`). */
export interface SocketTaskLike<
  Message = { data: string | ArrayBuffer },
  Close = { code?: number | string; reason?: string },
> {
  send(options: { data: string | ArrayBuffer } & ApiCallbacks<unknown, ErrMsgResult>): void
  close(options: { code?: number; reason?: string } & ApiCallbacks<unknown, ErrMsgResult>): void
  onOpen(listener: (result?: unknown) => void): void
  onMessage(listener: (result: Message) => void): void
  onClose(listener: (result: Close) => void): void
  onError(listener: (result: ErrMsgResult) => void): void
}

/** Options of `wx.connectSocket` (and the common subset of the other platforms). */
export interface ConnectSocketOptions extends ApiCallbacks<unknown, ErrMsgResult> {
  url: string
  header?: Record<string, string>
  protocols?: string[]
  tcpNoDelay?: boolean
  timeout?: number
}

/**
 * App lifecycle and network events, as `wx`, `my`, `uni` and `tt` all offer them. Every member is
 * optional and feature-detected: WeChat has `onAppShow`/`offAppShow` from base library 2.1.2 (and not
 * inside plugins), `offNetworkStatusChange` from 2.9.3. Listeners take `unknown` because the platforms'
 * typings disagree on what they receive (Tencent's types the `offNetworkStatusChange` listener as taking
 * `{ errMsg }`); the transports check what they read.
 */
export interface LifecycleApi {
  onAppShow?(listener: (result?: unknown) => void): void
  offAppShow?(listener: (result?: unknown) => void): void
  onAppHide?(listener: (result?: unknown) => void): void
  offAppHide?(listener: (result?: unknown) => void): void
  onNetworkStatusChange?(listener: (result?: unknown) => void): void
  offNetworkStatusChange?(listener: (result?: unknown) => void): void
}

/** The WeChat `wx` object, as far as the transport uses it. */
export interface WxLike extends LifecycleApi {
  connectSocket(options: ConnectSocketOptions): SocketTaskLike
}

/** ByteDance `tt`: like `wx`, but close codes may arrive as strings. */
export interface TtLike extends LifecycleApi {
  connectSocket(
    options: ConnectSocketOptions,
  ): SocketTaskLike<{ data: string | ArrayBuffer }, { code?: number | string; reason?: string; errMsg?: string }>
}

/** uni-app `uni`: returns a SocketTask only when a callback is passed, else a Promise. */
export interface UniLike extends LifecycleApi {
  /** `multiple` is passed on to Alipay when uni-app compiled to Alipay (it then returns Alipay's task). */
  connectSocket(
    options: ConnectSocketOptions & { multiple?: boolean },
  ): SocketTaskLike | AlipaySocketTaskLike | PromiseLike<unknown> | undefined
  /** `uniPlatform` names the platform uni-app compiled to: `'mp-weixin'`, `'mp-alipay'`, `'app'`, … */
  getSystemInfoSync?(): { uniPlatform?: string }
}

/** Alipay's message event: the task form nests the payload, the global form does not. */
export interface AlipayMessageResult {
  // `socketTaskID` is a number in Alipay's documentation and a string in its typing (@mini-types/my).
  data?: string | ArrayBuffer | { data?: string | ArrayBuffer; isBuffer?: boolean; socketTaskID?: number | string }
  isBuffer?: boolean
}

/** Alipay's failure and error shape: `{ error: 3, errorMessage: '…' }`. */
export interface AlipayErrorResult {
  error?: number
  errorMessage?: string
  errMsg?: string
  data?: unknown
}

/**
 * Alipay `SocketTask` (from `my.connectSocket({ multiple: true })`). Alipay's typing (`@mini-types/my`)
 * allows only string data in `send`; its documentation also allows an ArrayBuffer (the
 * `binary: 'arraybuffer'` option), so both are accepted here.
 */
export interface AlipaySocketTaskLike {
  send(options: { data: string | ArrayBuffer; isBuffer?: boolean } & ApiCallbacks<unknown, AlipayErrorResult>): void
  close(options: { code?: number; reason?: string } & ApiCallbacks<unknown, AlipayErrorResult>): void
  onOpen(listener: (result?: unknown) => void): void
  onMessage(listener: (result: AlipayMessageResult) => void): void
  onClose(
    listener: (result: {
      code?: number
      reason?: string
      data?: { code?: number; reason?: string; socketTaskID?: number | string }
    }) => void,
  ): void
  onError(listener: (result: AlipayErrorResult) => void): void
}

/** The Alipay `my` object, as far as the transport uses it. */
export interface MyLike extends LifecycleApi {
  connectSocket(
    options: {
      url: string
      header?: Record<string, string>
      protocols?: string[]
      multiple?: boolean
      timeout?: number
    } & ApiCallbacks<unknown, AlipayErrorResult>,
  ): AlipaySocketTaskLike | undefined
}
