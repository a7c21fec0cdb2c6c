import {
  TidingsError,
  clusterNodes,
  profileConnectOptions,
  randomClientId,
  resolveEndpoints,
  type BrokerCapabilities,
  type BrokerProfile,
  type CredentialsProvider,
  type ClusterOptions,
  type HostEndpointOptions,
  type TransportScheme,
} from '@tidings/core'

const BROKER_NAME = 'emqx'

/** EMQX's default listeners: `tcp 1883`, `ssl 8883`, `ws 8083` and `wss 8084` (both at `/mqtt`). */
export const EMQX_PORTS: Readonly<Record<TransportScheme, number>> = { mqtt: 1883, mqtts: 8883, ws: 8083, wss: 8084 }

/** Ports of a TLS-terminating proxy in front of EMQX's ws listener (nginx on 443: `wss://host/mqtt`). */
const PROXY_PORTS: Readonly<Partial<Record<TransportScheme, number>>> = { ws: 80, wss: 443 }

/**
 * Default payload limit. EMQX's `mqtt.max_packet_size` defaults to 1MB (1,048,576 bytes; EMQX 5 config
 * reference, `mqtt` section), and a bigger packet ends the connection (reason 0x95) with what was in flight. A
 * PUBLISH carries its topic (up to 65,535 bytes), packet id and properties besides the payload, so 64 KiB
 * of the packet are left to them. Raise `maxPayloadBytes` to match a broker configured otherwise.
 */
export const EMQX_MAX_PAYLOAD_BYTES = 1_048_576 - 65_536
/** MQTT's largest remaining length: no payload can be bigger. */
const MQTT_MAX_BYTES = 268_435_455
// Default of `mqtt.max_topic_levels`.
const MAX_TOPIC_LEVELS = 128

/** Options of {@link emqx}. */
export interface EmqxOptions extends Omit<HostEndpointOptions, 'host'>, ClusterOptions {
  /** The broker's host. Give `nodes` instead for several nodes (a cluster, or a pair behind no load balancer). */
  host?: string
  /** @default a random `tidings-…` id, kept for the life of the profile */
  clientId?: string
  username?: string
  /** A static password. Browsers and mini-programs should use `credentials: jwtAuth(…)` instead. */
  password?: string
  /**
   * Credentials fetched before every (re)connect, e.g. `jwtAuth({ fetchToken })`. Receives
   * `{ attempt, clientId, reason, previousError }`; overrides `username`/`password`, and `clientId` when it
   * returns one.
   */
  credentials?: CredentialsProvider
  /**
   * MQTT version to speak: 5 (EMQX's best) or 4 (3.1.1). MQTT 3.1 is never offered: EMQX's WebSocket
   * listener does not accept its `mqttv3.1` subprotocol. Given, it is pinned; absent, the client connects with
   * 5 and falls back to 3.1.1 once if the broker turns 5 down (EMQX before 4.0).
   * @default negotiated: 5, else 4
   */
  protocolVersion?: 5 | 4
  /**
   * EMQX sits behind a TLS-terminating proxy (nginx) on 443/80, as WeChat mini-programs on Android
   * require: WebSocket URLs become `wss://host/mqtt`. Explicit `port`/`ports` still win.
   * @default false
   */
  behindProxy?: boolean
  /**
   * Largest payload a publish may carry; a bigger one is refused with PAYLOAD_TOO_LARGE before anything is
   * sent. Keep it below the broker's `mqtt.max_packet_size` by the room topics and properties need.
   * @default 983,040 (the default `mqtt.max_packet_size` of 1 MB less 64 KiB for topic and header)
   */
  maxPayloadBytes?: number
}

/**
 * The profile for EMQX 5 (and 4.x): MQTT 5, QoS 2, retained messages, wills and shared subscriptions.
 *
 * @example
 * ```ts
 * // a backend on the private network
 * createClient({ broker: emqx({ host: 'emqx.internal', username: 'svc', password }), transport: tcp() })
 * // a browser: wss://mqtt.example.com/mqtt behind nginx, a JWT from your backend before every connect
 * createClient({
 *   broker: emqx({ host: 'mqtt.example.com', tls: true, behindProxy: true, credentials: jwtAuth({ fetchToken }) }),
 *   transport: websocket(),
 * })
 * ```
 */
export function emqx(options: EmqxOptions): BrokerProfile {
  const nodes = clusterNodes(BROKER_NAME, options ?? {})
  const { protocolVersion } = options
  if (protocolVersion !== undefined && protocolVersion !== 5 && protocolVersion !== 4) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `emqx: protocolVersion must be 5 or 4 (MQTT 3.1.1), got ${JSON.stringify(protocolVersion)}`,
      { adapter: BROKER_NAME },
    )
  }
  const { maxPayloadBytes } = options
  if (
    maxPayloadBytes !== undefined &&
    !(Number.isInteger(maxPayloadBytes) && maxPayloadBytes > 0 && maxPayloadBytes <= MQTT_MAX_BYTES)
  ) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `emqx: maxPayloadBytes must be a whole number from 1 to ${MQTT_MAX_BYTES}, got ${JSON.stringify(maxPayloadBytes)}`,
      { adapter: BROKER_NAME },
    )
  }
  const clientId = options.clientId ?? randomClientId()
  const defaults = options.behindProxy ? { ...EMQX_PORTS, ...PROXY_PORTS } : EMQX_PORTS
  const { credentials } = options
  const capabilities: BrokerCapabilities = {
    mqtt5: protocolVersion !== 4,
    qos2: true,
    retain: true,
    will: true,
    sharedSubscriptions: true,
    maxPayloadBytes: options.maxPayloadBytes ?? EMQX_MAX_PAYLOAD_BYTES,
  }
  const endpoints = (scheme: TransportScheme) => resolveEndpoints(BROKER_NAME, scheme, options, nodes, defaults)
  return {
    name: BROKER_NAME,
    capabilities,
    protocolVersion,
    refreshesCredentials: credentials !== undefined,
    endpoint: (scheme) => endpoints(scheme)[0]!,
    endpoints,
    shuffleEndpoints: options.shuffle === true,
    connectOptions: profileConnectOptions(BROKER_NAME, { ...options, clientId }),
    validateTopic,
  }
}

/** EMQX's own topic rules on top of MQTT's (which the client checks itself). */
function validateTopic(topic: string, use: 'publish' | 'subscribe'): void {
  if (use === 'subscribe' && topic.startsWith('$queue/')) {
    // `$queue/` is deprecated, and reserved for the Message Queue feature on current EMQX.
    throw new TidingsError(
      'INVALID_TOPIC',
      `"$queue/" subscriptions are deprecated on EMQX; subscribe with { share: 'group' } instead: ${JSON.stringify(topic)}`,
      {
        adapter: BROKER_NAME,
        topic,
      },
    )
  }
  if (use === 'publish' && (topic.startsWith('$share/') || topic.startsWith('$queue/'))) {
    throw new TidingsError('INVALID_TOPIC', `cannot publish to a shared-subscription topic: ${JSON.stringify(topic)}`, {
      adapter: BROKER_NAME,
      topic,
    })
  }
  let levels = 1
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47 /* / */) levels++
  if (levels > MAX_TOPIC_LEVELS) {
    throw new TidingsError(
      'INVALID_TOPIC',
      `EMQX allows at most ${MAX_TOPIC_LEVELS} topic levels (mqtt.max_topic_levels), got ${levels}`,
      { adapter: BROKER_NAME, topic },
    )
  }
}
