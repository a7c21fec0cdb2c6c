import type {
  BrokerCapabilities,
  BrokerProfile,
  ConnectContext,
  ConnectCredentials,
  MaybePromise,
  TransportScheme,
} from '../contracts.js'
import { TidingsError } from '../errors.js'
import { normalizePath, randomClientId } from './endpoints.js'

/** Options of {@link genericBroker}. */
export interface GenericBrokerOptions {
  /** `mqtt://host:1883`, `mqtts://host:8883`, `ws://host:8083/mqtt` or `wss://host/mqtt`. */
  url: string
  /** @default a random `tidings-…` id, kept for the life of the profile */
  clientId?: string
  username?: string
  password?: string
  /** Credentials fetched before every (re)connect, e.g. a short-lived token from your backend. */
  credentials?: (ctx: ConnectContext) => MaybePromise<{ username?: string; password?: string }>
  /** What the broker supports. @default MQTT 5, QoS 2, retain, will and shared subscriptions */
  capabilities?: Partial<BrokerCapabilities>
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
 * A profile for any MQTT broker given by URL, for brokers without an adapter. The URL's scheme must be
 * the one the transport speaks (`mqtt://` with `tcp()`, `wss://` with `websocket()`).
 * A WebSocket URL without a path gets `/mqtt`, the path EMQX, Aliyun and most brokers serve.
 */
export function genericBroker(options: GenericBrokerOptions): BrokerProfile {
  const match = typeof options?.url === 'string' ? URL_PATTERN.exec(options.url) : null
  const scheme = match ? SCHEMES[match[1]!.toLowerCase()] : undefined
  if (!match || !scheme) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `genericBroker: url must look like mqtt://host:1883 or wss://host/mqtt, got ${JSON.stringify(options?.url)}`,
      { adapter: 'generic' },
    )
  }
  const host = match[2]!.replace(/^\[|\]$/g, '')
  const port = match[3] ? Number(match[3]) : DEFAULT_PORTS[scheme]
  const path = normalizePath(match[4])
  const clientId = options.clientId ?? randomClientId()
  const capabilities: BrokerCapabilities = {
    mqtt5: true,
    qos2: true,
    retain: true,
    will: true,
    sharedSubscriptions: true,
    ...options.capabilities,
  }
  return {
    name: 'generic',
    capabilities,
    refreshesCredentials: options.credentials !== undefined,
    endpoint(requested) {
      if (requested !== scheme) {
        throw new TidingsError(
          'UNSUPPORTED',
          `genericBroker url is ${scheme}:// but the transport speaks ${requested}://`,
          { adapter: 'generic' },
        )
      }
      return scheme === 'ws' || scheme === 'wss' ? { host, port, path } : { host, port }
    },
    async connectOptions(ctx) {
      const out: ConnectCredentials = { clientId }
      const fetched = options.credentials ? await options.credentials(ctx) : options
      if (fetched.username !== undefined) out.username = fetched.username
      if (fetched.password !== undefined) out.password = fetched.password
      return out
    },
  }
}
