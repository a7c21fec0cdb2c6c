import {
  assertHost,
  profileConnectOptions,
  randomClientId,
  resolveEndpoint,
  type BrokerCapabilities,
  type BrokerProfile,
  type CredentialsProvider,
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
export interface MosquittoOptions extends HostEndpointOptions {
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
}

// Mosquitto 2.x: MQTT 5 + 3.1.1, QoS 2, retain, will, `$share/` (but `$queue/` is a literal topic).
const CAPABILITIES: BrokerCapabilities = {
  mqtt5: true,
  qos2: true,
  retain: true,
  will: true,
  sharedSubscriptions: true,
  // Mosquitto's default message_size_limit is the MQTT maximum (268,435,455 bytes).
  maxPayloadBytes: 268_435_455,
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
  assertHost(BROKER_NAME, options?.host)
  const clientId = options.clientId ?? randomClientId()
  const { credentials } = options
  return {
    name: BROKER_NAME,
    capabilities: CAPABILITIES,
    refreshesCredentials: credentials !== undefined,
    endpoint: (scheme) => resolveEndpoint(BROKER_NAME, scheme, options, MOSQUITTO_PORTS),
    connectOptions: profileConnectOptions(BROKER_NAME, { ...options, clientId }),
  }
}
