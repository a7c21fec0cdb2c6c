import type { Transport } from '@tidings/core'
import * as net from 'node:net'
import { schemeMismatch } from './mismatch.js'

/** Options of {@link tcp}. */
export interface TcpOptions {
  /** Disable Nagle's algorithm so small MQTT packets leave at once. @default true */
  noDelay?: boolean
  /** Prefer an address family when the host resolves to both. */
  family?: 4 | 6
}

/**
 * Plain MQTT over TCP (`mqtt://`, port 1883). For loopback, private networks, or behind a TLS-terminating proxy.
 * A profile created with `tls: true` (or an `mqtts://` URL) fails with INVALID_OPTIONS: use {@link tls} there.
 *
 * @example createClient({ broker: mosquitto({ host: '127.0.0.1' }), transport: tcp() })
 */
export function tcp(options: TcpOptions = {}): Transport {
  return {
    name: 'tcp',
    scheme: 'mqtt',
    // mqtts is listed only to refuse it with a clear error; see schemeMismatch.
    schemes: ['mqtt', 'mqtts'],
    open(endpoint, { scheme }) {
      if (scheme !== 'mqtt') throw schemeMismatch('tcp', scheme)
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
