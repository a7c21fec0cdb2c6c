import { TidingsError } from '@tidings/core'

/** The transport's name in errors and logs. */
export const TRANSPORT_NAME = 'ws'

const CHECKS =
  "check the path (brokers serve MQTT at a fixed path, usually /mqtt) and that the server accepts the 'mqtt' subprotocol"

/** The server answered the upgrade with an HTTP status instead of 101 (seen in Node; browsers hide it). */
export function upgradeRefused(
  url: string,
  status: number | undefined,
  statusText: string | undefined,
  body: string,
): TidingsError {
  const said = body.trim().replace(/\s+/g, ' ').slice(0, 200)
  return new TidingsError(
    'WS_HANDSHAKE_FAILED',
    `WebSocket upgrade to ${url} was refused with HTTP ${status ?? '?'}${statusText ? ` ${statusText}` : ''}${said ? ` (${said})` : ''}: ${CHECKS}`,
    { adapter: TRANSPORT_NAME, ...(status !== undefined ? { status } : {}) },
  )
}

/**
 * Maps a socket error to what the client should report. `opened` tells whether the upgrade had completed.
 * Errors that carry a Node error code (certificate not trusted, connection refused…) are passed on
 * unchanged: the client classifies those the same way for every transport (TLS_UNTRUSTED, CONNECTION_REFUSED).
 */
export function socketFailure(url: string, opened: boolean, cause: unknown): Error {
  const code = (cause as { code?: unknown } | null | undefined)?.code
  const message = cause instanceof Error ? cause.message : ''
  if (typeof code === 'string' && cause instanceof Error) return cause
  if (opened) {
    return new TidingsError('TRANSPORT_ERROR', `WebSocket ${url} failed${message ? `: ${message}` : ''}`, {
      adapter: TRANSPORT_NAME,
      cause,
    })
  }
  if (/subprotocol/i.test(message)) {
    return new TidingsError(
      'WS_HANDSHAKE_FAILED',
      `${url} did not accept the 'mqtt' subprotocol (${message}): the server is not an MQTT broker, or a proxy in front of it rewrites Sec-WebSocket-Protocol`,
      { adapter: TRANSPORT_NAME, cause },
    )
  }
  if (message) {
    return new TidingsError('WS_HANDSHAKE_FAILED', `WebSocket upgrade to ${url} failed (${message}): ${CHECKS}`, {
      adapter: TRANSPORT_NAME,
      cause,
    })
  }
  // Browsers report a failed upgrade, an unreachable server and an untrusted certificate the same way.
  return new TidingsError(
    'WS_HANDSHAKE_FAILED',
    `could not open a WebSocket to ${url}: the server is unreachable or refused the upgrade (browsers do not say which); ${CHECKS}, and for wss that the certificate is trusted`,
    { adapter: TRANSPORT_NAME, ...(cause !== undefined ? { cause } : {}) },
  )
}

/** Close codes a server uses to turn a client away: 1002 protocol error (RabbitMQ Web MQTT's "unauthenticated"), 1008 policy violation. */
const REFUSING_CLOSE_CODES = new Set([1002, 1008])
const REFUSING_REASON = /unauthenticated|not authori[sz]ed|unauthori[sz]ed/i

/**
 * The error for a socket the server closed after the upgrade but before it sent anything (so before any
 * CONNACK), when the close says the client was turned away: code 1002 or 1008, or a reason such as
 * "unauthenticated" or "not authorized". RabbitMQ Web MQTT refuses wrong credentials this way instead of
 * with a CONNACK. Undefined for any other close, which stays a retryable failure.
 */
export function closeRefusal(
  url: string,
  code: number | undefined,
  reason: string | undefined,
): TidingsError | undefined {
  const refusing = (code !== undefined && REFUSING_CLOSE_CODES.has(code)) || REFUSING_REASON.test(reason ?? '')
  if (!refusing) return undefined
  const said = (reason ?? '').replace(/\s+/g, ' ').slice(0, 120)
  return new TidingsError(
    'NOT_AUTHORIZED',
    `${url} closed the WebSocket before CONNACK with code ${code ?? '?'}${said ? ` (${said})` : ''}: the broker refused the credentials`,
    { adapter: TRANSPORT_NAME },
  )
}
