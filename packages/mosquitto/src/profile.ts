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

const BROKER_NAME = 'mosquitto'

/**
 * Conventional Mosquitto ports. 1883/8883 are Mosquitto's defaults; Mosquitto has no default WebSocket
 * listener, and 8080/8081 are the ports its documentation uses for `protocol websockets`.
 */
export const MOSQUITTO_PORTS: Readonly<Record<TransportScheme, number>> = {
  mqtt: 1883,
  mqtts: 8883,
  ws: 8080,
  wss: 8081,
}

/** Options of {@link mosquitto}. */
export interface MosquittoOptions extends Omit<HostEndpointOptions, 'host'>, ClusterOptions {
  /** The broker's host. Give `nodes` instead for several nodes (a cluster, or a pair behind no load balancer). */
  host?: string
  /** @default a random `tidings-…` id, kept for the life of the profile */
  clientId?: string
  username?: string
  password?: string
  /**
   * Credentials fetched before every (re)connect, e.g. issued by your backend through dynamic security.
   * Receives `{ attempt, clientId, reason, previousError }`; overrides `username`/`password`, and
   * `clientId` when it returns one.
   */
  credentials?: CredentialsProvider
  /**
   * Largest payload a publish may carry; a bigger one is refused with PAYLOAD_TOO_LARGE before anything is
   * sent. Keep it below the broker's `max_packet_size` by the room topics need.
   * @default 983,040 (1 MiB, `mosquittoConfig()`'s `max_packet_size`, less 64 KiB for topic and header)
   */
  maxPayloadBytes?: number
}

/**
 * Default payload limit: `mosquittoConfig()` writes `max_packet_size 1048576` (1 MiB), and Mosquitto
 * disconnects a client that sends a bigger packet, losing what was in flight. A PUBLISH carries its topic
 * (up to 65,535 bytes), packet id and fixed header besides the payload, so 64 KiB of the packet are left to
 * them. Stock Mosquitto sets no `max_packet_size` (its documented default is "no limit", 268,435,455 bytes
 * being MQTT's own maximum); raise `maxPayloadBytes` to match a broker configured otherwise.
 */
export const MOSQUITTO_MAX_PAYLOAD_BYTES = 1_048_576 - 65_536

/** MQTT's largest remaining length: no payload can be bigger. */
const MQTT_MAX_BYTES = 268_435_455

// Mosquitto 2.x: MQTT 5 + 3.1.1, QoS 2, retain, will, `$share/` (but `$queue/` is a literal topic).
const CAPABILITIES: BrokerCapabilities = {
  mqtt5: true,
  qos2: true,
  retain: true,
  will: true,
  sharedSubscriptions: true,
  maxPayloadBytes: MOSQUITTO_MAX_PAYLOAD_BYTES,
}

/**
 * The profile for Mosquitto 2.x.
 *
 * @example
 * ```ts
 * createClient({ broker: mosquitto({ host: '127.0.0.1' }), transport: tcp() })
 * createClient({ broker: mosquitto({ host: 'mq.example.com', tls: true }), transport: websocket() }) // wss://…:8081/mqtt
 * ```
 */
export function mosquitto(options: MosquittoOptions): BrokerProfile {
  const nodes = clusterNodes(BROKER_NAME, options ?? {})
  const clientId = options.clientId ?? randomClientId()
  const { credentials, maxPayloadBytes } = options
  if (
    maxPayloadBytes !== undefined &&
    !(Number.isInteger(maxPayloadBytes) && maxPayloadBytes > 0 && maxPayloadBytes <= MQTT_MAX_BYTES)
  ) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `mosquitto: maxPayloadBytes must be a whole number from 1 to ${MQTT_MAX_BYTES}, got ${JSON.stringify(maxPayloadBytes)}`,
      { adapter: BROKER_NAME },
    )
  }
  const endpoints = (scheme: TransportScheme) => resolveEndpoints(BROKER_NAME, scheme, options, nodes, MOSQUITTO_PORTS)
  return {
    name: BROKER_NAME,
    capabilities: maxPayloadBytes === undefined ? CAPABILITIES : { ...CAPABILITIES, maxPayloadBytes },
    refreshesCredentials: credentials !== undefined,
    endpoint: (scheme) => endpoints(scheme)[0]!,
    endpoints,
    shuffleEndpoints: options.shuffle === true,
    connectOptions: profileConnectOptions(BROKER_NAME, { ...options, clientId }),
  }
}
