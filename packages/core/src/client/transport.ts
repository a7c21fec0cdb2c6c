import type { BrokerProfile, ConnectCredentials, EndpointInfo, TransportScheme, TransportStream } from '../contracts.js'
import { TidingsError, isTidingsError } from '../errors.js'
import { defer } from '../internal/defer.js'
import { createSocketStream } from '../transport/socket-stream.js'
import { checkWill } from './capabilities.js'
import type { ClientOptions } from './types.js'

/** The options createClient cannot work without, checked before anything else. */
export function checkClientOptions(options: ClientOptions): void {
  if (!options || typeof options !== 'object')
    throw new TidingsError('INVALID_OPTIONS', 'createClient needs an options object')
  const { broker, transport } = options
  if (!broker || typeof broker.endpoint !== 'function' || typeof broker.connectOptions !== 'function') {
    throw new TidingsError(
      'INVALID_OPTIONS',
      'options.broker must be a broker profile such as mosquitto({ … }) or genericBroker({ url })',
    )
  }
  if (!transport || typeof transport.open !== 'function') {
    throw new TidingsError(
      'INVALID_OPTIONS',
      'options.transport must be a transport such as tcp(), websocket() or wechat()',
    )
  }
}

/**
 * Opens the transport for one attempt, at the node `pick` chooses among the endpoints the profile serves
 * for the first of the transport's schemes it does not refuse.
 */
export function openTransport(
  options: ClientOptions,
  pick: (endpoints: readonly EndpointInfo[]) => EndpointInfo,
): TransportStream {
  const { transport, broker } = options
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000
  try {
    const [scheme, endpoints] = pickScheme(broker, transport.schemes ?? [transport.scheme])
    // MQTT 3.1 ('mqttv3.1') is never used: tidings speaks 3.1.1 or 5, both 'mqtt' (EMQX refuses others).
    return transport.open(pick(endpoints), { scheme, protocols: ['mqtt'], connectTimeoutMs })
  } catch (error) {
    // A throwing transport (bad URL, missing platform object) becomes a stream that fails at once, so the
    // failure takes the same path as any refused connection.
    const failure = TidingsError.from(error, 'TRANSPORT_ERROR', { adapter: transport.name })
    return createSocketStream((events) => {
      defer(() => events.error(failure))
      return { send: (_data, done) => done(failure), close: () => {} }
    })
  }
}

/** The first of the transport's schemes the profile serves, with its nodes; the last refusal if it serves none. */
function pickScheme(
  broker: BrokerProfile,
  schemes: readonly TransportScheme[],
): [TransportScheme, readonly EndpointInfo[]] {
  let refusal: unknown
  for (const scheme of schemes) {
    try {
      const endpoints = broker.endpoints ? broker.endpoints(scheme) : [broker.endpoint(scheme)]
      if (endpoints.length === 0)
        throw new TidingsError('INVALID_OPTIONS', `${broker.name} profile lists no endpoint`, { adapter: broker.name })
      return [scheme, endpoints]
    } catch (error) {
      if (!isTidingsError(error) || error.code !== 'UNSUPPORTED') throw error
      refusal = error
    }
  }
  throw refusal ?? new TidingsError('INVALID_OPTIONS', 'the transport declares no scheme', { adapter: broker.name })
}

/** Asks the profile for one attempt's credentials (once per attempt) and checks what it returned. */
export function fetchCredentials(
  options: ClientOptions,
  attempt: number,
  previous: TidingsError | undefined,
): Promise<ConnectCredentials> {
  const { broker } = options
  const ctx = { attempt, ...(previous ? { previousError: { code: previous.code } } : {}) }
  return Promise.resolve(broker.connectOptions(ctx)).then((credentials) => {
    if (!credentials || typeof credentials.clientId !== 'string' || credentials.clientId.length === 0)
      throw new TidingsError('INVALID_CLIENT_ID', `${broker.name} profile returned no client id`, {
        adapter: broker.name,
      })
    checkWill(broker, options.will !== undefined)
    return credentials
  })
}
