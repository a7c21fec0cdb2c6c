import { TidingsError, type Transport } from '@tidings/core'
import * as nodeTls from 'node:tls'
import { schemeMismatch } from './mismatch.js'

/** Options of {@link tls}. */
export interface TlsOptions {
  /** CA certificate(s) to trust besides the system store, e.g. your self-signed CA (PEM). */
  ca?: string | Buffer | Array<string | Buffer>
  /** Client certificate for mutual TLS (PEM). */
  cert?: string | Buffer
  /** Client private key for mutual TLS (PEM). */
  key?: string | Buffer
  /** TLS server name (SNI) and the name the certificate must carry. @default the endpoint host */
  servername?: string
  /**
   * Verify the broker certificate. Only turn this off for a throwaway local test broker: without
   * verification anyone on the path can read and forge your messages. @default true
   */
  rejectUnauthorized?: boolean
  /** ALPN protocols, e.g. `['mqtt']` for brokers behind AWS-style ALPN routing. */
  alpnProtocols?: string[]
  /** @default true */
  noDelay?: boolean
}

/**
 * MQTT over TLS (`mqtts://`, port 8883). Verification stays on: a broker with a self-signed certificate
 * works when you pass its CA as `ca`; without it the client fails with TLS_UNTRUSTED. The profile must be
 * created with `tls: true` (or an `mqtts://` URL): the profile decides the scheme, this transport only
 * carries the TLS options, and a plain profile fails with INVALID_OPTIONS.
 *
 * @example createClient({ broker: mosquitto({ host, tls: true }), transport: tls({ ca: readFileSync('ca.pem') }) })
 */
export function tls(options: TlsOptions = {}): Transport {
  if (options.cert !== undefined && options.key === undefined) {
    throw new TidingsError('INVALID_OPTIONS', 'tls: a client cert needs its key', { adapter: 'tls' })
  }
  return {
    name: 'tls',
    scheme: 'mqtts',
    // mqtt is listed only to refuse it with a clear error; see schemeMismatch.
    schemes: ['mqtts', 'mqtt'],
    open(endpoint, { scheme }) {
      if (scheme !== 'mqtts') throw schemeMismatch('tls', scheme)
      const servername = options.servername ?? endpoint.servername ?? endpoint.host
      const socket = nodeTls.connect({
        host: endpoint.host,
        port: endpoint.port,
        // SNI must not be an IP address (RFC 6066); Node warns and the name check uses the IP SAN instead.
        ...(nodeIsIp(servername) ? {} : { servername }),
        rejectUnauthorized: options.rejectUnauthorized ?? true,
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        ...(options.cert !== undefined ? { cert: options.cert, key: options.key } : {}),
        ...(options.alpnProtocols ? { ALPNProtocols: options.alpnProtocols } : {}),
      })
      socket.setNoDelay(options.noDelay ?? true)
      return socket
    },
  }
}

function nodeIsIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}
