import type { Transport } from '@tidings/core'
import * as net from 'node:net'

/** Options of {@link tcp}. */
export interface TcpOptions {
  /** Disable Nagle's algorithm so small MQTT packets leave at once. @default true */
  noDelay?: boolean
  /** Prefer an address family when the host resolves to both. */
  family?: 4 | 6
}

/**
 * Plain MQTT over TCP (`mqtt://`, port 1883). For loopback, private networks, or behind a TLS-terminating proxy.
 *
 * @example createClient({ broker: mosquitto({ host: '127.0.0.1' }), transport: tcp() })
 */
export function tcp(options: TcpOptions = {}): Transport {
  return {
    name: 'tcp',
    scheme: 'mqtt',
    open(endpoint) {
      const socket = net.connect({
        host: endpoint.host,
        port: endpoint.port,
        ...(options.family ? { family: options.family } : {}),
      })
      socket.setNoDelay(options.noDelay ?? true)
      return socket
    },
  }
}
