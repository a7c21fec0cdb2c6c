import type { BrokerCapabilities, BrokerProfile, EndpointInfo, TransportScheme } from '../contracts.js'
import { TidingsError } from '../errors.js'
import { type CredentialsProvider, profileConnectOptions } from './credentials.js'
import { normalizePath, randomClientId } from './endpoints.js'

/** Options of {@link genericBroker}. */
export interface GenericBrokerOptions {
  /**
   * `mqtt://host:1883`, `mqtts://host:8883`, `ws://host:8083/mqtt` or `wss://host/mqtt`. The scheme decides
   * plain or TLS for every transport: `mqtts://` needs Node's `tls()`, `ws://` and `wss://` work with
   * `websocket()` and the mini-program transports alike.
   */
  url?: string
  /**
   * The nodes of a cluster, given instead of `url`, all with the same scheme. Each attempt goes to one: a
   * node that fails is followed at once by the next, and the reconnect backoff applies per round of nodes.
   */
  urls?: readonly string[]
  /** Try the nodes of `urls` in a new random order each round. @default false */
  shuffle?: boolean
  /** @default a random `tidings-…` id, kept for the life of the profile */
  clientId?: string
  username?: string
  password?: string
  /**
   * Credentials fetched before every (re)connect, e.g. a short-lived token from your backend. Overrides
   * `username`/`password`, and `clientId` when it returns one.
   */
  credentials?: CredentialsProvider
  /**
   * What the broker supports. @default MQTT 5, QoS 2, retain, will and shared subscriptions, payloads up to
   * MQTT's maximum of 268,435,455 bytes
   */
  capabilities?: Partial<BrokerCapabilities>
  /**
   * Pins the MQTT version. Absent, the client connects with MQTT 5 and falls back to 3.1.1 once, for the
   * client's life, when the broker turns 5 down.
   * @default negotiated (4 when `capabilities.mqtt5` is false)
   */
  protocolVersion?: 4 | 5
}

const DEFAULT_PORTS: Record<TransportScheme, number> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 }
const SCHEMES: Record<string, TransportScheme> = {
  mqtt: 'mqtt',
  tcp: 'mqtt',
  mqtts: 'mqtts',
  ssl: 'mqtts',
  tls: 'mqtts',
  ws: 'ws',
  wss: 'wss',
}
// Parsed by hand: `URL` is missing in mini-program runtimes.
const URL_PATTERN = /^([a-z]+):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)(?::(\d+))?([^?#]*)/i

/**
 * A profile for any MQTT broker given by URL, for brokers without an adapter. The URL's scheme is the one
 * the client uses; the transport must be able to speak it (`mqtt://` with `tcp()`, `mqtts://` with `tls()`,
 * `ws://` or `wss://` with `websocket()` or a mini-program transport).
 * A WebSocket URL without a path gets `/mqtt`, the path EMQX, Aliyun and most brokers serve.
 */
export function genericBroker(options: GenericBrokerOptions): BrokerProfile {
  const urls = options?.urls ?? [options?.url]
  const nodes =
    Array.isArray(urls) && (options.urls === undefined || options.url === undefined) ? urls.map(parseUrl) : []
  const scheme = nodes[0]?.scheme
  if (!scheme || nodes.some((node) => node.scheme !== scheme)) invalid('give url, or urls of one scheme')
  const clientId = options.clientId ?? randomClientId()
  const capabilities: BrokerCapabilities = {
    mqtt5: true,
    qos2: true,
    retain: true,
    will: true,
    sharedSubscriptions: true,
    // MQTT's largest remaining length (268,435,455 bytes, MQTT 3.1.1 §2.2.3 / 5.0 §1.5.5): no payload can be
    // bigger. Pass `capabilities.maxPayloadBytes` with the broker's real limit.
    maxPayloadBytes: 268_435_455,
    ...options.capabilities,
  }
  const { protocolVersion } = options
  if (protocolVersion !== undefined && protocolVersion !== 4 && protocolVersion !== 5)
    invalid('protocolVersion must be 4 or 5')
  const ws = scheme === 'ws' || scheme === 'wss'
  const list: EndpointInfo[] = nodes.map(({ host, port, path }) => (ws ? { host, port, path } : { host, port }))
  const endpoints = (requested: TransportScheme): EndpointInfo[] => {
    if (requested === scheme) return list
    throw new TidingsError(
      'UNSUPPORTED',
      `genericBroker url is ${scheme}://, so it serves ${scheme} only, not ${requested}`,
      {
        adapter: 'generic',
      },
    )
  }
  const profile: BrokerProfile = {
    name: 'generic',
    capabilities,
    protocolVersion,
    refreshesCredentials: options.credentials !== undefined,
    endpoint: (requested) => endpoints(requested)[0]!,
    connectOptions: profileConnectOptions('generic', { ...options, clientId }),
  }
  // Only a list: a profile built on this one may replace `endpoint` (the devbroker's WebSocket listener).
  return nodes.length > 1 ? { ...profile, endpoints, shuffleEndpoints: options.shuffle === true } : profile
}

function parseUrl(url: unknown): { scheme: TransportScheme; host: string; port: number; path: string } {
  const match = typeof url === 'string' ? URL_PATTERN.exec(url) : null
  const scheme = match ? SCHEMES[match[1]!.toLowerCase()] : undefined
  if (!match || !scheme) invalid(`url must look like mqtt://host:1883 or wss://host/mqtt, got ${JSON.stringify(url)}`)
  const host = match[2]!.replace(/^\[|\]$/g, '')
  return { scheme, host, port: match[3] ? Number(match[3]) : DEFAULT_PORTS[scheme], path: normalizePath(match[4]) }
}

function invalid(message: string): never {
  throw new TidingsError('INVALID_OPTIONS', `genericBroker: ${message}`, { adapter: 'generic' })
}
