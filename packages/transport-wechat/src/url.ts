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

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/

/** True for `localhost`, an IPv4 or an IPv6 address: hosts mini-programs refuse in production. */
export function isAddressHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  return bare === 'localhost' || bare.endsWith('.localhost') || IPV4.test(bare) || bare.includes(':')
}
