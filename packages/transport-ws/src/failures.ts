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
