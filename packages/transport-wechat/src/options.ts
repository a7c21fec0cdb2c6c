/** What the production guard does when a setting would fail on a real device. */
export type ProductionGuard = 'warn' | 'reject' | 'off'

/**
 * Options every mini-program transport accepts. There is no scheme option: `wss://` or `ws://` is the
 * broker profile's choice (`tls: true` or a `wss://` URL), and the guard below flags `ws://`.
 */
export interface MiniTransportOptions {
  /**
   * Checks for settings that work in DevTools but fail on a phone: a `ws://` URL (a profile without `tls: true`), an IP address or
   * `localhost` as host, and more than `maxSockets` open sockets. `'warn'` logs each problem once,
   * `'reject'` refuses to connect (INVALID_OPTIONS, or QUOTA_EXCEEDED for sockets), `'off'` checks nothing.
   * @default 'warn'
   */
  production?: ProductionGuard
  /** Sockets the platform allows at once (WeChat and ByteDance: 5, shared with the rest of the app). @default 5 */
  maxSockets?: number
  /** Extra handshake headers. `Referer` cannot be set on WeChat. */
  header?: Record<string, string>
  /** Where guard warnings go. @default console.warn */
  warn?: (message: string) => void
}

export const DEFAULT_MAX_SOCKETS = 5
