import {
  clusterNodes,
  randomClientId,
  resolveEndpoints,
  type HostNode,
  TidingsError,
  type BrokerProfile,
  type ConnectContext,
  type ConnectCredentials,
  type MaybePromise,
  type TransportScheme,
} from '@tidings/core'
import {
  atLeast,
  capabilitiesFor,
  parseVersion,
  RABBITMQ_PORTS,
  RABBITMQ_WS_PATH,
  type RabbitmqCapabilities,
} from './capabilities.js'
import { validateRabbitmqTopic } from './topic-rules.js'

const BROKER_NAME = 'rabbitmq'

/** One node of a cluster, for {@link RabbitmqOptions.nodes}. */
export type RabbitmqNode = HostNode

/** Options of {@link rabbitmq}. */
export interface RabbitmqOptions {
  /** The node to connect to. Give `nodes` instead for a cluster. */
  host?: string
  port?: number
  ports?: Partial<Record<TransportScheme, number>>
  /**
   * Cluster nodes, given instead of `host`. Each attempt goes to one node: a node that fails is followed
   * at once by the next, the reconnect backoff applies per round of nodes, and a client whose node stops
   * lands on the next one.
   */
  nodes?: ReadonlyArray<RabbitmqNode>
  /** Try the nodes in a new random order each round. @default false */
  shuffle?: boolean
  /** Only allow `mqtts` and `wss`. */
  tls?: boolean
  /** Web MQTT path (`web_mqtt.ws_path`). @default '/ws' */
  wsPath?: string
  /** TLS server name when it differs from the host. */
  servername?: string
  /**
   * The RabbitMQ server version, e.g. `'3.10'` or `'4.0'`; it decides what the profile offers (MQTT 5
   * from 3.13, `$share/` from 4.0). @default '3.10': the oldest behaviour, safe on every version
   */
  version?: string
  /**
   * MQTT version, pinned when given: 5 needs RabbitMQ 3.13 or later. Absent, a node declared older than 3.13
   * gets 3.1.1; from 3.13 the client tries 5 and falls back to 3.1.1 once if the node turns it down (3.13
   * speaks 5 only with its `mqtt_v5` feature flag enabled).
   * @default negotiated from 3.13, else 4 (3.1.1)
   */
  protocolVersion?: 4 | 5
  /** @default a random `tidings-…` id, kept for the life of the profile */
  clientId?: string
  /** RabbitMQ user, or `vhost:user` for a virtual host other than the default one. */
  username?: string
  password?: string
  /** Credentials fetched before every (re)connect. Overrides `username`/`password`. */
  credentials?: (ctx: ConnectContext) => MaybePromise<{ username?: string; password?: string; clientId?: string }>
}

/** The profile {@link rabbitmq} returns: capabilities include {@link RabbitmqCapabilities.retainScope}. */
export interface RabbitmqProfile extends BrokerProfile {
  readonly capabilities: RabbitmqCapabilities
}

/**
 * The profile for RabbitMQ with the `rabbitmq_mqtt` plugin (and `rabbitmq_web_mqtt` for WebSocket).
 *
 * QoS 2 publishes are refused with UNSUPPORTED (RabbitMQ would deliver them as QoS 1), and topics with a
 * `.` are refused with INVALID_TOPIC (RabbitMQ would deliver them on another topic).
 *
 * @example
 * ```ts
 * createClient({ broker: rabbitmq({ host: '127.0.0.1', username: 'app', password }), transport: tcp() })
 * createClient({ broker: rabbitmq({ host: 'mq.example.com', tls: true, version: '3.13' }), transport: websocket() }) // wss://…:15676/ws
 * ```
 */
export function rabbitmq(options: RabbitmqOptions): RabbitmqProfile {
  if (typeof options !== 'object' || options === null) invalid('options are required')
  const nodes = clusterNodes(BROKER_NAME, options)
  const version = parseVersion(options.version ?? '3.10')
  const mqtt5Capable = atLeast(version, 3, 13)
  const { protocolVersion } = options
  if (protocolVersion !== undefined && protocolVersion !== 4 && protocolVersion !== 5)
    invalid(`protocolVersion must be 4 (MQTT 3.1.1) or 5, got ${JSON.stringify(protocolVersion)}`)
  if (protocolVersion === 5 && !mqtt5Capable)
    invalid(`MQTT 5 needs RabbitMQ 3.13 or later (version is ${version.join('.')}); use protocolVersion 4`)
  const capabilities = capabilitiesFor(version, protocolVersion === undefined ? mqtt5Capable : protocolVersion === 5)
  const clientId = options.clientId ?? randomClientId()
  const { credentials } = options
  const endpointOptions = { ...options, wsPath: options.wsPath ?? RABBITMQ_WS_PATH }
  const endpoints = (scheme: TransportScheme) =>
    resolveEndpoints(BROKER_NAME, scheme, endpointOptions, nodes, RABBITMQ_PORTS)
  return {
    name: BROKER_NAME,
    capabilities,
    protocolVersion,
    refreshesCredentials: credentials !== undefined,
    endpoint: (scheme) => endpoints(scheme)[0]!,
    endpoints,
    shuffleEndpoints: options.shuffle === true,
    async connectOptions(ctx) {
      const fetched = credentials ? await credentials(ctx) : options
      const out: ConnectCredentials = { clientId: ('clientId' in fetched && fetched.clientId) || clientId }
      if (fetched.username !== undefined) out.username = fetched.username
      if (fetched.password !== undefined) out.password = fetched.password
      return out
    },
    validateTopic: validateRabbitmqTopic,
  }
}

function invalid(message: string): never {
  throw new TidingsError('INVALID_OPTIONS', `rabbitmq: ${message}`, { adapter: BROKER_NAME })
}
