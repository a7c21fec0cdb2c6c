import { TidingsError, type Transport, type TransportScheme } from '@tidings/core'
import { tcp, tls } from '@tidings/transport-node'
import { websocket } from '@tidings/transport-ws'
import { WebSocket } from 'ws'

/** A broker URL taken apart. */
export interface ParsedUrl {
  scheme: TransportScheme
  host: string
  port?: number
  /** WebSocket path, when the URL has one. */
  path?: string
}

const SCHEMES: Record<string, TransportScheme> = { 'mqtt:': 'mqtt', 'mqtts:': 'mqtts', 'ws:': 'ws', 'wss:': 'wss' }

/** Parses `mqtt://host:1883`, `mqtts://…`, `ws://host:8083/mqtt` or `wss://…`. User info is refused: use --username. */
export function parseBrokerUrl(url: string): ParsedUrl {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TidingsError('INVALID_OPTIONS', `--url must look like mqtt://host:1883 or ws://host:8083/mqtt`)
  }
  const scheme = SCHEMES[parsed.protocol]
  if (!scheme)
    throw new TidingsError('INVALID_OPTIONS', `--url scheme must be mqtt, mqtts, ws or wss, got ${parsed.protocol}`)
  if (parsed.username || parsed.password) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      '--url must not carry credentials: use --username and a password from the environment',
    )
  }
  const out: ParsedUrl = { scheme, host: parsed.hostname.replace(/^\[|\]$/g, '') }
  if (parsed.port) out.port = Number(parsed.port)
  if ((scheme === 'ws' || scheme === 'wss') && parsed.pathname && parsed.pathname !== '/') out.path = parsed.pathname
  return out
}

/** The transport for a scheme: tcp, tls, or WebSocket through the `ws` package. */
export function transportFor(scheme: TransportScheme): Transport {
  if (scheme === 'mqtt') return tcp()
  if (scheme === 'mqtts') return tls()
  return websocket({ WebSocket })
}
