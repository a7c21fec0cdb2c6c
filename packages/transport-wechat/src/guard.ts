import { TidingsError } from '@tidings/core'
import { DEFAULT_MAX_SOCKETS, type MiniTransportOptions } from './options.js'
import { hostKind } from './url.js'

/** The production checks of one transport instance, and its count of open sockets. */
export interface Guard {
  /** Checks a URL before connecting; throws in `'reject'` mode. */
  checkUrl(url: string, host: string, secure: boolean): void
  /** Counts a new socket; throws QUOTA_EXCEEDED in `'reject'` mode when over the limit. Returns its release. */
  acquire(): () => void
  /** Sockets this transport holds open now. */
  readonly openSockets: number
}

/**
 * Per-instance guard: warnings are given once per problem, and the socket count belongs to the transport
 * (and so to the injected platform object), never to the module.
 */
export function createGuard(name: string, options: MiniTransportOptions): Guard {
  const mode = options.production ?? 'warn'
  const maxSockets = options.maxSockets ?? DEFAULT_MAX_SOCKETS
  const warn = options.warn ?? ((message: string) => console.warn(message))
  const warned = new Set<string>()
  let open = 0

  const problem = (code: 'INVALID_OPTIONS' | 'QUOTA_EXCEEDED', key: string, message: string): void => {
    if (mode === 'reject') throw new TidingsError(code, message, { adapter: name })
    if (warned.has(key)) return
    warned.add(key)
    warn(`[tidings] [${name}] ${message}`)
  }

  return {
    checkUrl(url, host, secure) {
      if (mode === 'off') return
      if (!secure)
        problem(
          'INVALID_OPTIONS',
          `ws:${url}`,
          `${url} is not wss://: published mini-programs may only open wss:// sockets`,
        )
      const kind = hostKind(host)
      // LAN addresses are allowed on a device (WeChat base library 2.4.0+); loopback never reaches the broker.
      if (kind === 'loopback')
        problem(
          'INVALID_OPTIONS',
          `host:${host}`,
          `${host} is localhost or a loopback address: a phone never reaches it`,
        )
      else if (kind === 'ip')
        problem(
          'INVALID_OPTIONS',
          `host:${host}`,
          `${host} is a public IP address: published mini-programs need a whitelisted domain name (only LAN addresses are allowed)`,
        )
    },
    acquire() {
      if (mode !== 'off' && open >= maxSockets) {
        problem(
          'QUOTA_EXCEEDED',
          `sockets:${open + 1}`,
          `socket ${open + 1} would exceed the platform limit of ${maxSockets} open sockets`,
        )
      }
      open++
      let released = false
      return () => {
        if (released) return
        released = true
        open--
      }
    },
    get openSockets() {
      return open
    },
  }
}
