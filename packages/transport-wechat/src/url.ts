import type { EndpointInfo } from '@tidings/core'

/**
 * `wss://host[:port]/path` for an endpoint. The default port is left out (WeChat's domain whitelist
 * compares host names, and older base libraries refused a URL carrying a port the whitelist lacks).
 */
export function socketUrl(endpoint: EndpointInfo, secure: boolean): string {
  const host = endpoint.host.includes(':') && !endpoint.host.startsWith('[') ? `[${endpoint.host}]` : endpoint.host
  const defaultPort = secure ? 443 : 80
  const port = endpoint.port === defaultPort ? '' : `:${endpoint.port}`
  const path =
    endpoint.path === undefined || endpoint.path === ''
      ? '/'
      : endpoint.path.startsWith('/')
        ? endpoint.path
        : `/${endpoint.path}`
  return `${secure ? 'wss' : 'ws'}://${host}${port}${path}`
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/

/** What a host is, as far as the mini-program platforms' production rules care. */
export type HostKind = 'name' | 'loopback' | 'lan' | 'ip'

/**
 * Classifies a host: `localhost` and loopback addresses (which a phone never reaches and WeChat refuses),
 * LAN addresses (allowed by WeChat from base library 2.4.0: 10/8, 172.16/12, 192.168/16, 169.254/16,
 * IPv6 fc00::/7 and fe80::/10), other IP addresses (refused: published mini-programs need a domain),
 * or a domain name.
 */
export function hostKind(host: string): HostKind {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (bare === 'localhost' || bare.endsWith('.localhost')) return 'loopback'
  const v4 = IPV4.exec(bare)
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])]
    if (a === 127 || a === 0) return 'loopback'
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254))
      return 'lan'
    return 'ip'
  }
  if (!bare.includes(':')) return 'name'
  if (bare === '::1' || bare === '::' || bare.startsWith('::ffff:127.')) return 'loopback'
  return /^f[cd]|^fe[89ab]/.test(bare) ? 'lan' : 'ip'
}
