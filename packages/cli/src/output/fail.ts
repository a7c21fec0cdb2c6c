import { isTidingsError, type TidingsErrorCode } from '@tidings/core'
import { redactText } from '@tidings/core/server'
import type { Style } from './style.js'

/** Exit status when `--timeout` ends before `--count` messages arrived, as `timeout(1)` uses. */
export const EXIT_TIMEOUT = 124

const HINTS: Partial<Record<TidingsErrorCode, string>> = {
  INVALID_TOPIC: 'check the topic: no + or # in a publish topic, no empty params, and the broker’s own rules',
  INVALID_PAYLOAD: 'check the message against --format (json, hex, base64 or text)',
  INVALID_OPTIONS: 'see `tidings <command> --help`',
  UNSUPPORTED: 'this broker lacks the feature; try another --qos or drop the option',
  CONNECT_TIMEOUT: 'is the broker running and the port right? (--url)',
  CONNECTION_REFUSED: 'nothing accepts connections there: check --url, or start one with `tidings broker`',
  CONNECTION_LOST: 'the broker closed the connection; a wrong WebSocket path or protocol version can do that',
  NOT_AUTHORIZED: 'check the credentials (--username, the secret in the environment, --jwt-secret, --token)',
  PROTOCOL_ERROR: 'try --protocol-version 4 (MQTT 3.1.1)',
  TLS_UNTRUSTED: 'the certificate is not trusted; NODE_EXTRA_CA_CERTS=ca.pem adds your CA',
  WS_HANDSHAKE_FAILED: 'check the WebSocket path in --url (EMQX /mqtt, RabbitMQ /ws)',
  SUBSCRIBE_DENIED: 'the broker’s ACL refuses this filter for these credentials',
  PUBLISH_DENIED: 'the broker’s ACL refuses this topic for these credentials',
  TIMEOUT: 'not done within --timeout (sub, respond: fewer than --count messages arrived; request: no reply)',
  REQUEST_FAILED: 'the responder failed to handle the request; its message is above',
  RECONNECT_EXHAUSTED: 'the broker stayed unreachable',
}

/**
 * Prints a failure as `error CODE: message` and a one-line hint; the stack only with `--debug`. Messages
 * go through `redactText`, so a URL with a password or a token in a message is not echoed.
 * Returns the exit status.
 */
export function reportFailure(error: unknown, style: Style, debug: boolean, write: (line: string) => void): number {
  const code = isTidingsError(error) ? error.code : 'INTERNAL'
  const message = redactText(error instanceof Error ? error.message : String(error))
  write(`${style.red(style.bold(`error ${code}`))}: ${message}`)
  const hint = isTidingsError(error)
    ? HINTS[error.code]
    : 'this is a bug in tidings: please report it with --debug output'
  if (hint) write(style.dim(`hint: ${hint}`))
  if (debug && error instanceof Error && error.stack) write(style.dim(error.stack))
  if (debug && isTidingsError(error) && error.cause instanceof Error) write(style.dim(`cause: ${error.cause.stack}`))
  return isTidingsError(error) && error.code === 'TIMEOUT' ? EXIT_TIMEOUT : 1
}
