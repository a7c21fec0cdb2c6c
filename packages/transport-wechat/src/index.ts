/**
 * `@tidings/transport-wechat`: MQTT over mini-program sockets: WeChat (`wx`), Alipay (`my`),
 * uni-app (`uni`) and ByteDance (`tt`). Mini-programs load the pre-built bundle named by the package's
 * `miniprogram` field, which also holds `@tidings/core` and the broker profiles.
 *
 * @module
 */
export { wechat, type WechatOptions } from './wechat.js'
export { alipay, type AlipayOptions } from './alipay.js'
export { uniapp, type UniappOptions } from './uniapp.js'
export { bytedance, type BytedanceOptions } from './bytedance.js'
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
