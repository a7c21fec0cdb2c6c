/** A mini-program platform tidings runs on. */
export type MiniPlatform = 'wechat' | 'alipay' | 'uniapp' | 'bytedance'

/** One row of the base-library table: what a feature needs, and whether tidings needs the feature. */
export interface BaseLibraryFeature {
  readonly platform: MiniPlatform
  /** The feature, as the README's table names it. */
  readonly feature: string
  /** The lowest base library that has it, or `null` where the platform's documentation states none. */
  readonly minimum: string | null
  /** `true`: the package cannot be used without it. `false`: only what the feature gives is lost. */
  readonly needed: boolean
}

/**
 * What tidings uses from each platform's base library, and from which version. The README's
 * "Minimum base library" table is this list (a test keeps them equal).
 */
export const BASE_LIBRARY_FEATURES: readonly BaseLibraryFeature[] = [
  { platform: 'wechat', feature: 'npm packages (构建 npm)', minimum: '2.2.1', needed: true },
  {
    platform: 'wechat',
    feature: '`wx.onAppShow`/`wx.offAppShow` (absent inside plugins)',
    minimum: '2.1.2',
    needed: false,
  },
  { platform: 'wechat', feature: '`wx.offNetworkStatusChange`', minimum: '2.9.3', needed: false },
  { platform: 'wechat', feature: '`tcpNoDelay` of `connectSocket`', minimum: '2.4.0', needed: false },
  { platform: 'wechat', feature: '`timeout` of `connectSocket`', minimum: '2.10.0', needed: false },
  { platform: 'wechat', feature: 'LAN IP addresses as broker host', minimum: '2.4.0', needed: false },
  {
    platform: 'alipay',
    feature: '`my.connectSocket({ multiple: true })` returning a SocketTask',
    minimum: null,
    needed: true,
  },
  { platform: 'uniapp', feature: '`getSystemInfoSync().uniPlatform` (detects Alipay)', minimum: null, needed: false },
  { platform: 'bytedance', feature: '`tt.connectSocket` returning a SocketTask', minimum: null, needed: true },
]

/** Compares two dotted versions (`'2.10.0'` > `'2.9.3'`). */
const newer = (a: string, b: string): boolean => {
  const x = a.split('.').map(Number)
  const y = b.split('.').map(Number)
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0)
  }
  return false
}

/**
 * The lowest base library tidings can be used on, per platform: the highest `minimum` among the
 * features it needs ({@link BASE_LIBRARY_FEATURES}), or `null` where no version is stated (the feature
 * is checked when connecting instead). Set it as the mini-program's 基础库最低版本.
 *
 * @example
 * ```ts
 * import { MINIMUM_BASE_LIBRARY } from '@tidings/transport-wechat'
 *
 * const wechatMinimum: string | null = MINIMUM_BASE_LIBRARY.wechat // '2.2.1'
 * ```
 */
export const MINIMUM_BASE_LIBRARY: Readonly<Record<MiniPlatform, string | null>> = (() => {
  const out: Record<MiniPlatform, string | null> = { wechat: null, alipay: null, uniapp: null, bytedance: null }
  for (const { platform, minimum, needed } of BASE_LIBRARY_FEATURES) {
    const current = out[platform]
    if (needed && minimum !== null && (current === null || newer(minimum, current))) out[platform] = minimum
  }
  return out
})()
