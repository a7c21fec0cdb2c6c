import {
  TidingsError,
  assertHost,
  resolveEndpoint,
  type BrokerCapabilities,
  type BrokerProfile,
  type ProfileSession,
  type TransportScheme,
} from '@tidings/core'
import type { AliyunAuth } from './auth/types.js'
import { ALIYUN_LIMITS, BROKER_NAME, assertClientId, assertGroupId, p2pTopic, validateAliyunTopic } from './names.js'

/** Aliyun MQTT ports: TCP 1883, TLS 8883, WebSocket 80, secure WebSocket 443. */
export const ALIYUN_PORTS: Readonly<Record<TransportScheme, number>> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 }

/** Options of {@link aliyun}. */
export interface AliyunOptions {
  /** Instance id, e.g. `mqtt-cn-0pp1ldu7k0r`. The endpoint is `<instanceId>.mqtt.aliyuncs.com`. */
  instanceId: string
  /** Group id created in the console, `GID_…` or `GID-…`. */
  groupId: string
  /** This device's id; the client id is `<groupId>@@@<deviceId>`. Give every browser tab and page its own. */
  deviceId: string
  /**
   * Region of the instance (`cn-hangzhou`, …). Instance endpoints do not contain it; it is checked and kept for
   * error messages and for symmetry with the server API options.
   */
  region?: string
  /** Connect through the VPC endpoint `<instanceId>-internal-vpc.mqtt.aliyuncs.com`. @default false */
  vpc?: boolean
  /** How the client signs in: {@link tokenAuth}, {@link deviceCredentialAuth} or {@link presignedAuth}. */
  credentials: AliyunAuth
  /**
   * Parent topics whose point-to-point messages (`<parent>/p2p/<clientId>`) this client receives. Aliyun
   * delivers them without a subscription, so subscribing to `p2pTopic(parent, clientId)` sends no SUBSCRIBE.
   */
  p2p?: string[]
  /**
   * Set when the client connects with `clean: false`: Aliyun does not support QoS 2 on persistent sessions,
   * so the profile then reports no QoS 2 (QoS 2 publishes and subscriptions are refused with UNSUPPORTED).
   * @default false
   */
  persistentSession?: boolean
  /** Override the host (a local emulator, a proxy). @default the instance endpoint */
  host?: string
  /** Override ports per scheme. @default {@link ALIYUN_PORTS} */
  ports?: Partial<Record<TransportScheme, number>>
  /**
   * Connect over TLS: `wss://…:443/mqtt` or `mqtts://…:8883`. Without it `ws`/`mqtt`. The profile alone
   * decides; transports follow.
   * @default false
   */
  tls?: boolean
}

/**
 * The profile for Aliyun MQTT (ApsaraMQ for MQTT, 微消息队列 MQTT 版). MQTT 3.1.1, no retained or will
 * messages, no shared subscriptions, at most 30 subscriptions, 64-character topics and 64 KB payloads;
 * all checked client-side with clear error codes.
 *
 * @example
 * ```ts
 * const broker = aliyun({
 *   instanceId: 'mqtt-cn-0pp1ldu7k0r', groupId: 'GID_web', deviceId: crypto.randomUUID().replaceAll('-', ''),
 *   tls: true,
 *   credentials: tokenAuth({ accessKeyId: 'LTAI…', fetchToken: () => fetch('/api/mqtt-token').then((r) => r.json()) }),
 * })
 * createClient({ broker, transport: websocket() }) // wss://mqtt-cn-0pp1ldu7k0r.mqtt.aliyuncs.com/mqtt
 * ```
 */
export function aliyun(options: AliyunOptions): BrokerProfile & { readonly clientId: string } {
  const { instanceId, groupId, deviceId, credentials } = options ?? ({} as AliyunOptions)
  if (typeof instanceId !== 'string' || !/^[A-Za-z0-9-]+$/.test(instanceId)) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `aliyun: instanceId must look like mqtt-cn-xxxx, got ${JSON.stringify(instanceId)}`,
      { adapter: BROKER_NAME },
    )
  }
  if (options.region !== undefined && !/^[a-z]+(-[a-z0-9]+)+$/.test(options.region)) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `aliyun: region must look like cn-hangzhou, got ${JSON.stringify(options.region)}`,
      { adapter: BROKER_NAME },
    )
  }
  assertGroupId(groupId)
  const clientId = `${groupId}@@@${deviceId}`
  assertClientId(clientId)
  if (!credentials || typeof credentials.bind !== 'function') {
    throw new TidingsError(
      'INVALID_OPTIONS',
      'aliyun: credentials must be tokenAuth(…), deviceCredentialAuth(…) or presignedAuth(…)',
      { adapter: BROKER_NAME },
    )
  }
  const p2pFilters = (options.p2p ?? []).map((parent) => p2pTopic(parent, clientId))
  const host = options.host ?? `${instanceId}${options.vpc ? '-internal-vpc' : ''}.mqtt.aliyuncs.com`
  assertHost(BROKER_NAME, host)
  const endpointOptions = {
    host,
    ...(options.ports ? { ports: options.ports } : {}),
    ...(options.tls ? { tls: true } : {}),
    wsPath: '/mqtt',
  }
  const bound = credentials.bind({ instanceId, clientId })
  const capabilities: BrokerCapabilities = {
    mqtt5: false,
    qos2: options.persistentSession !== true,
    retain: false,
    will: false,
    sharedSubscriptions: false,
    maxPayloadBytes: ALIYUN_LIMITS.maxPayloadBytes,
    maxSubscriptions: ALIYUN_LIMITS.maxSubscriptions,
    maxTopicLength: ALIYUN_LIMITS.maxTopicLength,
  }

  return {
    name: BROKER_NAME,
    clientId,
    capabilities,
    // Pinned: Aliyun documents MQTT 3.1.1 only, so there is nothing to negotiate.
    protocolVersion: 4,
    refreshesCredentials: bound.refreshesCredentials,
    // Aliyun serves WebSocket at /mqtt only; MQTT.js would otherwise default to '/'.
    endpoint: (scheme) => resolveEndpoint(BROKER_NAME, scheme, endpointOptions, ALIYUN_PORTS),
    async connectOptions(ctx) {
      const { username, password } = await bound.credentials(ctx)
      return { clientId, username, password }
    },
    validateTopic: validateAliyunTopic,
    attach(session: ProfileSession) {
      // Listen-only routes: an app subscription to its own P2P topic joins them and sends no SUBSCRIBE.
      const removers = p2pFilters.map((filter) => session.subscribeRaw(filter, () => {}, { listenOnly: true }))
      const detachAuth = bound.attach?.(session)
      return () => {
        if (typeof detachAuth === 'function') detachAuth()
        for (const remover of removers)
          void remover.then(
            (remove) => remove(),
            () => {},
          )
      }
    },
  }
}
