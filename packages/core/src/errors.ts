/**
 * Every failure tidings reports is a {@link TidingsError} with a stable string `code`.
 * Codes are part of the public API: match on `err.code`, never on the message.
 *
 * @module
 */

/**
 * All error codes, each with a one-line meaning. Adding a code is a minor change; renaming or removing
 * one is breaking.
 */
export const ERROR_CODES = {
  // --- input ---
  INVALID_TOPIC: 'A topic, filter or topic parameter is not valid for this broker.',
  INVALID_PAYLOAD: 'A payload failed to encode, decode or validate.',
  INVALID_OPTIONS: 'An option passed to a factory is missing or out of range.',
  INVALID_CLIENT_ID: 'The client id breaks the broker rules.',
  PAYLOAD_TOO_LARGE: 'The payload is larger than the broker accepts.',
  UNSUPPORTED: 'The broker profile does not support this feature.',
  // --- connecting ---
  CONNECT_TIMEOUT: 'No CONNACK arrived within connectTimeoutMs.',
  CONNECTION_REFUSED: 'The transport could not reach the broker.',
  CONNECTION_LOST: 'An established connection dropped.',
  NOT_AUTHORIZED: 'The broker refused the credentials or the client is not authorized.',
  BANNED: 'The broker has banned this client.',
  CLIENT_ID_REJECTED: 'The broker rejected the client id.',
  PROTOCOL_ERROR: 'The broker does not accept this protocol version or the packet was malformed.',
  SERVER_UNAVAILABLE: 'The broker is unavailable or busy.',
  RECONNECT_EXHAUSTED: 'The client gave up after maxAttempts reconnect attempts.',
  TLS_UNTRUSTED: 'The broker certificate is not trusted (unknown CA, self-signed, expired or wrong host name).',
  WS_HANDSHAKE_FAILED: 'The WebSocket upgrade was refused (wrong path, subprotocol or proxy).',
  TRANSPORT_ERROR: 'The platform socket reported an error.',
  // --- operations ---
  SUBSCRIBE_DENIED: 'The broker refused a subscription (SUBACK failure code).',
  PUBLISH_DENIED: 'The broker refused a publish (PUBACK/PUBREC failure code).',
  UNSUBSCRIBE_FAILED: 'The broker refused or failed an unsubscribe (UNSUBACK failure code).',
  OFFLINE_QUEUE_FULL: 'A publish was made while offline and the offline queue is full.',
  NOT_CONNECTED: 'The client is offline and not trying to reconnect.',
  CLIENT_CLOSED: 'The client was closed.',
  TIMEOUT: 'An operation did not complete in time.',
  ABORTED: 'An operation was aborted through its AbortSignal.',
  HANDLER_FAILED: 'A message handler threw or rejected.',
  STREAM_OVERFLOW: 'A message stream buffer overflowed and dropped its oldest message.',
  UNMATCHED_MESSAGE: 'A message arrived that no subscription matches (its topic is named, its payload never).',
  QUOTA_EXCEEDED: 'A broker or platform quota (subscriptions, sockets, rate) was exceeded.',
  REQUEST_FAILED:
    "The responder answered a request with an error (its handler threw); carries the responder's message.",
  DUPLICATE_REPLY: 'A reply arrived for no pending request (a duplicate, or one after its timeout); it was dropped.',
  // --- server-side APIs ---
  API_ERROR: 'A broker management API answered with an error.',
  API_UNAVAILABLE: 'A broker management API is unreachable or answered 5xx.',
  THROTTLED: 'A broker management API throttled the request.',
  NOT_FOUND: 'A broker management API did not find the resource.',
  ALREADY_EXISTS: 'A broker management API reports the resource exists.',
} as const

/** A stable error code. */
export type TidingsErrorCode = keyof typeof ERROR_CODES

/** Extra facts attached to an error. */
export interface TidingsErrorDetails {
  /** The underlying error, when there is one. */
  cause?: unknown
  /** The MQTT reason code (CONNACK/SUBACK/PUBACK), when the broker sent one. */
  reasonCode?: number
  /** The broker profile or transport name that raised it, e.g. `'mosquitto'`, `'ws'`. */
  adapter?: string
  /** The topic or filter concerned. */
  topic?: string
  /** HTTP status of a failed API call or WebSocket upgrade. */
  status?: number
}

/**
 * The one error class of tidings.
 *
 * @example
 * ```ts
 * try { await client.connect() } catch (err) {
 *   if (isTidingsError(err) && err.code === 'NOT_AUTHORIZED') showLogin()
 * }
 * ```
 */
export class TidingsError extends Error {
  override readonly name = 'TidingsError'
  readonly code: TidingsErrorCode
  readonly reasonCode?: number
  readonly adapter?: string
  readonly topic?: string
  readonly status?: number

  constructor(code: TidingsErrorCode, message: string, details: TidingsErrorDetails = {}) {
    super(
      `[tidings]${details.adapter ? ` [${details.adapter}]` : ''} ${message}`,
      details.cause === undefined ? undefined : { cause: details.cause },
    )
    this.code = code
    if (details.reasonCode !== undefined) this.reasonCode = details.reasonCode
    if (details.adapter !== undefined) this.adapter = details.adapter
    if (details.topic !== undefined) this.topic = details.topic
    if (details.status !== undefined) this.status = details.status
    // Keeps `instanceof` working when compiled to older targets.
    Object.setPrototypeOf(this, new.target.prototype)
  }

  /** Wraps anything thrown into a TidingsError, keeping TidingsErrors (from any copy of the package) as they are. */
  static from(
    error: unknown,
    fallback: TidingsErrorCode = 'TRANSPORT_ERROR',
    details: TidingsErrorDetails = {},
  ): TidingsError {
    if (isTidingsError(error)) return error
    const message = error instanceof Error ? error.message : String(error)
    return new TidingsError(fallback, message, { ...details, cause: error })
  }
}

/**
 * True for a TidingsError. Falls back to the name and code when `instanceof` fails, which happens when
 * an app ends up with two copies of `@tidings/core` (for example a prebuilt mini-program bundle and npm).
 */
export function isTidingsError(error: unknown): error is TidingsError {
  if (error instanceof TidingsError) return true
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'TidingsError' &&
    typeof (error as { code?: unknown }).code === 'string' &&
    (error as { code: string }).code in ERROR_CODES
  )
}
