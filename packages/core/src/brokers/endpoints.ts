import type { BrokerProfile, EndpointInfo, TransportScheme } from '../contracts.js'
import { TidingsError } from '../errors.js'

/** Options shared by host-based broker profiles. */
export interface HostEndpointOptions {
  host: string
  /** One port for whichever scheme the transport speaks. */
  port?: number
  /** Ports per scheme, for brokers that listen on several. */
  ports?: Partial<Record<TransportScheme, number>>
  /**
   * Connect over TLS. The profile alone decides the scheme: with `tls: true` it serves `mqtts` and `wss`
   * only, without it `mqtt` and `ws` only, and the transport follows (`websocket()` opens `wss://` or
   * `ws://` accordingly; Node's `tls()` needs `tls: true`, `tcp()` needs it off).
   * @default false
   */
  tls?: boolean
  /** WebSocket path. @default '/mqtt' */
  wsPath?: string
  /** TLS server name when it differs from host. */
  servername?: string
}

/**
 * Resolves the endpoint of a host-based profile for one scheme, from explicit ports, then the broker's
 * defaults. Broker adapters build their `endpoint()` on it. A scheme on the wrong side of the `tls` option
 * is refused with UNSUPPORTED, so the profile decides between plain and TLS, never the transport.
 */
export function resolveEndpoint(
  broker: string,
  scheme: TransportScheme,
  options: HostEndpointOptions,
  defaults: Partial<Record<TransportScheme, number>>,
): EndpointInfo {
  if (isSecureScheme(scheme) !== (options.tls === true)) {
    // UNSUPPORTED, so a transport that speaks several schemes moves on to the next one.
    throw new TidingsError(
      'UNSUPPORTED',
      options.tls
        ? `${broker} profile has tls: true, so it serves mqtts and wss, not plain ${scheme}`
        : `${broker} profile serves plain mqtt and ws, not ${scheme}: create it with tls: true to connect over TLS`,
      { adapter: broker },
    )
  }
  const port = options.ports?.[scheme] ?? options.port ?? defaults[scheme]
  if (port === undefined) {
    throw new TidingsError('UNSUPPORTED', `${broker} has no default port for ${scheme}; pass ports: { ${scheme}: … }`, {
      adapter: broker,
    })
  }
  const ws = scheme === 'ws' || scheme === 'wss'
  return {
    host: options.host,
    port,
    ...(ws ? { path: normalizePath(options.wsPath) } : {}),
    ...(options.servername ? { servername: options.servername } : {}),
  }
}

/** One node of a cluster, for {@link ClusterOptions.nodes}. */
export interface HostNode {
  host: string
  /** One port for whichever scheme the transport speaks. */
  port?: number
  /** Ports per scheme, when the node listens on several. */
  ports?: Partial<Record<TransportScheme, number>>
}

/** Options of host-based profiles that may connect to any node of a cluster. */
export interface ClusterOptions {
  /**
   * The nodes of a cluster, given instead of `host`. Each attempt goes to one node: a node that fails is
   * followed at once by the next, and the reconnect backoff applies per round of nodes, not per node.
   * Nodes are tried in turn, starting after the node last connected to.
   */
  nodes?: ReadonlyArray<HostNode>
  /** Try the nodes in a new random order each round, to spread a fleet over the cluster. @default false */
  shuffle?: boolean
}

/** The nodes of `host` or `nodes` (exactly one of them), checked; INVALID_OPTIONS otherwise. */
export function clusterNodes(broker: string, options: { host?: string | undefined } & ClusterOptions): HostNode[] {
  if (options.nodes === undefined) {
    assertHost(broker, options.host)
    return [{ host: options.host }]
  }
  if (options.host !== undefined || !Array.isArray(options.nodes) || options.nodes.length === 0)
    throw new TidingsError('INVALID_OPTIONS', `${broker}: give host, or nodes: a list of { host }`, { adapter: broker })
  return options.nodes.map((node: HostNode) => {
    assertHost(broker, node?.host)
    return { ...node }
  })
}

/**
 * The endpoint of every node for one scheme ({@link BrokerProfile.endpoints}), each resolved like
 * {@link resolveEndpoint} with the node's host and ports over the profile's options.
 */
export function resolveEndpoints(
  broker: string,
  scheme: TransportScheme,
  options: Omit<HostEndpointOptions, 'host'>,
  nodes: readonly HostNode[],
  defaults: Partial<Record<TransportScheme, number>>,
): EndpointInfo[] {
  return nodes.map((node) => resolveEndpoint(broker, scheme, { ...options, ...node }, defaults))
}

/** True for the TLS schemes, `mqtts` and `wss`. */
export function isSecureScheme(scheme: TransportScheme): boolean {
  return scheme === 'mqtts' || scheme === 'wss'
}

/** Brokers serve MQTT over WebSocket at `/mqtt` (EMQX, Aliyun require it; Mosquitto ignores the path). */
export function normalizePath(path: string | undefined): string {
  if (path === undefined || path === '' || path === '/') return '/mqtt'
  return path.startsWith('/') ? path : `/${path}`
}

/** Checks the host option of a profile factory. */
export function assertHost(broker: string, host: unknown): asserts host is string {
  if (typeof host !== 'string' || host.length === 0 || /[\s/]/.test(host)) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `${broker}: host must be a host name or IP address, got ${JSON.stringify(host)}`,
      { adapter: broker },
    )
  }
}

/** A random client id such as `tidings-4f9c2a1b7e`, for profiles created without one. */
export function randomClientId(prefix = 'tidings'): string {
  let id = ''
  for (let i = 0; i < 10; i++) id += Math.floor(Math.random() * 36).toString(36)
  return `${prefix}-${id}`
}
