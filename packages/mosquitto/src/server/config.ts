import { TidingsError } from '@tidings/core'
import { ADAPTER } from './errors.js'

/** TLS files of a listener. */
export interface MosquittoListenerTls {
  /** PEM certificate (chain) of the broker. */
  certfile: string
  /** PEM private key of the broker. */
  keyfile: string
  /** CA that signs client certificates; needed with `requireCertificate`. */
  cafile?: string
  /** Ask clients for a certificate signed by `cafile`. @default false */
  requireCertificate?: boolean
  /** Lowest TLS version accepted. @default 'tlsv1.2' */
  tlsVersion?: 'tlsv1.2' | 'tlsv1.3'
}

/** One listener. */
export interface MosquittoListener {
  port: number
  /**
   * Address to bind. Defaults to loopback: put a proxy in front or set `'0.0.0.0'` deliberately.
   * @default '127.0.0.1'
   */
  bind?: string
  /** `websockets` serves MQTT over WebSocket (any path; clients use `/mqtt`). @default 'mqtt' */
  protocol?: 'mqtt' | 'websockets'
  /** Serve TLS (mqtts, or wss with `protocol: 'websockets'`). */
  tls?: MosquittoListenerTls
  /** Most concurrent clients on this listener. @default unlimited */
  maxConnections?: number
  /** Highest QoS granted on this listener. @default 2 */
  maxQos?: 0 | 1 | 2
  /** Raise it when browsers send large cookies on the WebSocket upgrade. @default 1024 (Mosquitto's) */
  websocketsHeadersSize?: number
  /** More per-listener lines, written as given after the listener line. */
  extra?: string[]
}

/** Options of {@link mosquittoConfig}. */
export interface MosquittoConfigOptions {
  /** At least one must speak plain MQTT (tcp or tls): Mosquitto 2.0 does not start with WebSocket listeners only. */
  listeners: MosquittoListener[]
  /**
   * Authenticate every listener through the dynamic-security plugin. Create `configFile` first with
   * `mosquitto_ctrl dynsec init <configFile> <admin>`; the broker must be able to write it.
   */
  dynsec?: {
    configFile: string
    /** @default '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so' (Debian/Ubuntu) */
    pluginPath?: string
  }
  /** Without dynsec: let clients in without a username. Never combine with a public listener. @default false */
  allowAnonymous?: boolean
  /** Keep retained messages and persistent sessions on disk in this directory. @default no persistence */
  persistenceLocation?: string
  /** Where the log goes. @default 'stderr' */
  log?: 'stdout' | 'stderr' | 'syslog' | { file: string }
  /** Log types. @default ['error', 'warning', 'notice', 'information'] */
  logTypes?: string[]
  /**
   * Disable Nagle's algorithm. With Mosquitto's default (Nagle on) a QoS 1 round trip on loopback takes
   * about 44 ms instead of well under 1 ms.
   * @default true
   */
  tcpNoDelay?: boolean
  /**
   * Largest MQTT packet (`max_packet_size`) the broker accepts from a client and sends to one; a client
   * sending a larger one is disconnected, and MQTT 5 clients are told the limit in CONNACK. Mosquitto's own
   * default is the protocol's 256 MB, which lets one client make the broker buffer that much.
   * @default 1048576 (1 MiB)
   */
  maxPacketBytes?: number
  /** User Mosquitto drops to when started as root. @default Mosquitto's (`mosquitto`) */
  user?: string
  /** More global lines, written before the listeners. */
  extra?: string[]
}

/** The Debian/Ubuntu location of the dynamic-security plugin. */
export const DYNSEC_PLUGIN_PATH = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so'

/**
 * Writes a `mosquitto.conf` (Mosquitto 2.x) for tidings: listeners for tcp, WebSocket and TLS, the
 * dynamic-security plugin for every listener, per-listener limits, and `set_tcp_nodelay true`.
 *
 * @example
 * ```ts
 * writeFileSync('mosquitto.conf', mosquittoConfig({
 *   dynsec: { configFile: '/var/lib/mosquitto/dynsec.json' },
 *   listeners: [
 *     { port: 1883 },                                                   // backends, on loopback
 *     { port: 8080, protocol: 'websockets' },                           // behind nginx (wss on 443)
 *     { port: 8883, bind: '0.0.0.0', tls: { certfile, keyfile } },      // devices
 *   ],
 * }))
 * ```
 */
export function mosquittoConfig(options: MosquittoConfigOptions): string {
  if (!options || !Array.isArray(options.listeners) || options.listeners.length === 0) {
    throw invalid('mosquittoConfig needs at least one listener')
  }
  // Verified on 2.0.11: with WebSocket listeners only, Mosquitto exits with "Unable to start any listening sockets".
  if (!options.listeners.some((l) => (l?.protocol ?? 'mqtt') === 'mqtt')) {
    throw invalid(
      'Mosquitto 2.0 needs at least one MQTT (non-WebSocket) listener to start; add one, e.g. { port: 1883 } on loopback for backends',
    )
  }
  if (options.dynsec && options.allowAnonymous)
    throw invalid(
      'allowAnonymous and dynsec exclude each other: dynsec decides about anonymous clients (setAnonymousGroup)',
    )
  const lines: string[] = ['# Written by @tidings/mosquitto mosquittoConfig()']
  if (options.user !== undefined) lines.push(`user ${line(options.user)}`)
  if (options.persistenceLocation !== undefined)
    lines.push('persistence true', `persistence_location ${dir(options.persistenceLocation)}`)
  else lines.push('persistence false')
  const log = options.log ?? 'stderr'
  lines.push(typeof log === 'string' ? `log_dest ${log}` : `log_dest file ${line(log.file)}`)
  for (const type of options.logTypes ?? ['error', 'warning', 'notice', 'information'])
    lines.push(`log_type ${line(type)}`)
  if (options.tcpNoDelay ?? true) lines.push('set_tcp_nodelay true')
  lines.push(`max_packet_size ${int(options.maxPacketBytes ?? 1_048_576, 'maxPacketBytes')}`)
  // Authentication is global: one plugin instance (and one dynsec JSON file) serves every listener.
  lines.push('per_listener_settings false')
  if (options.dynsec) {
    lines.push(
      `plugin ${line(options.dynsec.pluginPath ?? DYNSEC_PLUGIN_PATH)}`,
      `plugin_opt_config_file ${line(options.dynsec.configFile)}`,
    )
  } else {
    lines.push(`allow_anonymous ${options.allowAnonymous ? 'true' : 'false'}`)
  }
  lines.push(...(options.extra ?? []).map(line))
  const seen = new Set<number>()
  for (const listener of options.listeners) {
    const { port } = listener
    if (!Number.isInteger(port) || port < 1 || port > 65_535)
      throw invalid(`listener port must be 1–65535, got ${String(port)}`)
    if (seen.has(port)) throw invalid(`port ${port} is used by two listeners`)
    seen.add(port)
    lines.push('', `listener ${port} ${line(listener.bind ?? '127.0.0.1')}`, `protocol ${listener.protocol ?? 'mqtt'}`)
    if (listener.tls) {
      const { tls } = listener
      if (!tls.certfile || !tls.keyfile) throw invalid(`listener ${port}: tls needs certfile and keyfile`)
      if (tls.requireCertificate && !tls.cafile) throw invalid(`listener ${port}: requireCertificate needs cafile`)
      lines.push(`certfile ${line(tls.certfile)}`, `keyfile ${line(tls.keyfile)}`)
      if (tls.cafile) lines.push(`cafile ${line(tls.cafile)}`)
      lines.push(
        `require_certificate ${tls.requireCertificate ? 'true' : 'false'}`,
        `tls_version ${tls.tlsVersion ?? 'tlsv1.2'}`,
      )
    }
    if (listener.maxConnections !== undefined)
      lines.push(`max_connections ${int(listener.maxConnections, 'maxConnections')}`)
    if (listener.maxQos !== undefined) lines.push(`max_qos ${int(listener.maxQos, 'maxQos')}`)
    if (listener.websocketsHeadersSize !== undefined)
      lines.push(`websockets_headers_size ${int(listener.websocketsHeadersSize, 'websocketsHeadersSize')}`)
    lines.push(...(listener.extra ?? []).map(line))
  }
  return `${lines.join('\n')}\n`
}

// --- internal ---

function invalid(message: string): TidingsError {
  return new TidingsError('INVALID_OPTIONS', message, { adapter: ADAPTER })
}

// A newline in a value would smuggle a directive into the config.
function line(value: string): string {
  if (typeof value !== 'string' || value.length === 0 || /[\r\n]/.test(value))
    throw invalid(`config values must be non-empty single lines, got ${JSON.stringify(value)}`)
  return value
}

// Mosquitto appends file names to persistence_location as-is, so it must end with a slash.
function dir(path: string): string {
  return line(path).endsWith('/') ? path : `${path}/`
}

function int(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0)
    throw invalid(`${name} must be a non-negative integer, got ${String(value)}`)
  return value
}
