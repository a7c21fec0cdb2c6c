/**
 * `@tidings/transport-wechat`: MQTT over mini-program sockets: WeChat (`wx`), Alipay (`my`),
 * uni-app (`uni`) and ByteDance (`tt`). Mini-programs load the pre-built bundle named by the package's
 * `miniprogram` field, which also holds `@tidings/core` and the broker profiles.
 *
 * @module
 */
export {
  bytedance,
  uniapp,
  wechat,
  type BytedanceOptions,
  type UniappOptions,
  type WechatOptions,
} from './socket-task-transports.js'
export { alipay, type AlipayOptions } from './alipay.js'
export {
  BASE_LIBRARY_FEATURES,
  MINIMUM_BASE_LIBRARY,
  type BaseLibraryFeature,
  type MiniPlatform,
} from './base-library.js'
export type { MiniTransportOptions, ProductionGuard } from './options.js'
export type {
  AlipaySocketTaskLike,
  ConnectSocketOptions,
  LifecycleApi,
  MyLike,
  SocketTaskLike,
  TtLike,
  UniLike,
  WxLike,
} from './platform-types.js'
