import { TidingsError, isTidingsError } from '../errors.js'
import { ackReason, connackVerdict } from './reason-codes.js'

// Node's TLS verification failures (tls.TLSSocket 'error' codes): all mean "this certificate is not trusted".
const TLS_UNTRUSTED_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
])

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
])

/**
 * The texts of MQTT.js 5.16.0's errors that carry no code. This module is the only place that reads an
 * MQTT.js error message; the client itself uses structured signals (the CONNACK packet, the socket's
 * close) wherever MQTT.js offers one. A test pins these against the installed MQTT.js.
 */
export const MQTT_TEXTS = {
  connackTimeout: 'connack timeout',
  keepaliveTimeout: 'Keepalive timeout',
  connectionClosed: 'Connection closed',
  disconnecting: 'client disconnecting',
  refusedPrefix: 'Connection refused',
  protocolErrorPrefix: 'Protocol error',
} as const

/** The error for a CONNACK that refused the connection with this return/reason code. */
export function connackRefusal(code: number, adapter: string, cause?: unknown): TidingsError {
  const verdict = connackVerdict(code)
  return new TidingsError(verdict.code, `${adapter} refused the connection: ${verdict.reason} (reason code ${code})`, {
    adapter,
    reasonCode: code,
    ...(cause !== undefined ? { cause } : {}),
  })
}

/** True for MQTT.js's "the connection went away before the answer" failures of a pending operation. */
export function isConnectionClosed(error: unknown): boolean {
  const message = error instanceof Error ? error.message : undefined
  return message === MQTT_TEXTS.connectionClosed || message === MQTT_TEXTS.disconnecting
}

/**
 * Maps what MQTT.js or a socket emits to a TidingsError with a stable code. `live` says the connection had
 * its CONNACK: a socket failure then means the connection was lost (CONNECTION_LOST), not that the broker
 * could not be reached (CONNECTION_REFUSED is only for an attempt that never got a CONNACK).
 */
export function classifyError(error: unknown, adapter: string, transport: string, live = false): TidingsError {
  if (isTidingsError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'number' && message.startsWith(MQTT_TEXTS.refusedPrefix))
    return connackRefusal(code, adapter, error)
  if (message === MQTT_TEXTS.connackTimeout)
    return new TidingsError('CONNECT_TIMEOUT', `no CONNACK from ${adapter} in time`, { adapter, cause: error })
  if (message === MQTT_TEXTS.keepaliveTimeout)
    return new TidingsError('CONNECTION_LOST', `${adapter} stopped answering keep-alive pings`, {
      adapter,
      cause: error,
    })
  if (typeof code === 'string') {
    if (TLS_UNTRUSTED_CODES.has(code)) {
      return new TidingsError(
        'TLS_UNTRUSTED',
        `the certificate of ${adapter} is not trusted (${code}): pass its CA to the transport, e.g. tls({ ca }) or websocket({ WebSocket, socketOptions: { ca } })`,
        { adapter: transport, cause: error },
      )
    }
    if (UNREACHABLE_CODES.has(code) && live)
      return new TidingsError('CONNECTION_LOST', `connection to ${adapter} lost: ${message}`, {
        adapter: transport,
        cause: error,
      })
    if (UNREACHABLE_CODES.has(code))
      return new TidingsError('CONNECTION_REFUSED', `cannot reach ${adapter}: ${message}`, {
        adapter: transport,
        cause: error,
      })
  }
  if (message.startsWith(MQTT_TEXTS.protocolErrorPrefix) || typeof code === 'number') {
    return new TidingsError('PROTOCOL_ERROR', message, {
      adapter,
      cause: error,
      ...(typeof code === 'number' ? { reasonCode: code } : {}),
    })
  }
  // MQTT.js passes on socket errors only when they carry a code; an error without one comes from its parser
  // (a packet it could not read) or its packet handlers.
  if (code === undefined && error instanceof Error)
    return new TidingsError('PROTOCOL_ERROR', `malformed packet from ${adapter}: ${message}`, { adapter, cause: error })
  return new TidingsError('TRANSPORT_ERROR', message, { adapter: transport, cause: error })
}

/** Where an MQTT.js error came from, for {@link fromMqttError}. */
export interface MqttErrorContext {
  /** Broker profile or adapter name, e.g. `'mosquitto'`. */
  adapter: string
  /** Transport name for socket errors. @default adapter */
  transport?: string
  /** What failed: connecting (the default), or a publish/subscribe/unsubscribe the broker answered with a failure code. */
  operation?: 'connect' | 'publish' | 'subscribe' | 'unsubscribe'
  /** Topic or filter of a failed publish/subscribe. */
  topic?: string
}

// Failure codes of a PUBACK/SUBACK that say something more precise than "denied".
const ACK_CODES: Partial<Record<number, 'PAYLOAD_TOO_LARGE' | 'QUOTA_EXCEEDED' | 'INVALID_TOPIC'>> = {
  0x8f: 'INVALID_TOPIC',
  0x90: 'INVALID_TOPIC',
  0x95: 'PAYLOAD_TOO_LARGE',
  0x97: 'QUOTA_EXCEEDED',
}

/**
 * Maps an error from MQTT.js (a CONNACK refusal, a socket or TLS failure, a failed PUBACK/SUBACK/UNSUBACK) to a
 * TidingsError with a stable code. The client uses it; server-side helpers that hold their own MQTT.js
 * connection use it too, so every package reports the same failures the same way.
 */
export function fromMqttError(error: unknown, context: MqttErrorContext): TidingsError {
  const { adapter, operation = 'connect', topic } = context
  if (operation === 'connect' || isTidingsError(error))
    return classifyError(error, adapter, context.transport ?? adapter)
  const message = error instanceof Error ? error.message : String(error)
  const reasonCode = (error as { code?: unknown } | null)?.code
  const denied =
    operation === 'publish' ? 'PUBLISH_DENIED' : operation === 'subscribe' ? 'SUBSCRIBE_DENIED' : 'UNSUBSCRIBE_FAILED'
  const what = `${operation === 'publish' ? 'the publish to' : operation === 'subscribe' ? 'the subscription to' : 'the unsubscribe from'} ${topic ?? 'the topic'}`
  if (typeof reasonCode === 'number') {
    return new TidingsError(ACK_CODES[reasonCode] ?? denied, `${adapter} refused ${what}: ${ackReason(reasonCode)}`, {
      adapter,
      reasonCode,
      cause: error,
      ...(topic ? { topic } : {}),
    })
  }
  if (isConnectionClosed(error)) {
    return new TidingsError('CONNECTION_LOST', `connection to ${adapter} closed before it acknowledged ${what}`, {
      adapter,
      cause: error,
      ...(topic ? { topic } : {}),
    })
  }
  return new TidingsError(denied, `${adapter} refused ${what}: ${message}`, {
    adapter,
    cause: error,
    ...(topic ? { topic } : {}),
  })
}
