import { TidingsError, fromMqttError, isTidingsError } from '@tidings/core'
import { redactText, redactUrl } from '@tidings/core/server'

export const ADAPTER = 'mosquitto'

/**
 * Maps a failed MQTT.js connect (CONNACK refusal, socket or TLS error) to a TidingsError. The URL may carry
 * `user:password@`, so only its redacted form reaches the error, and the cause is rebuilt from redacted text.
 */
export function connectError(error: unknown, url: string): TidingsError {
  if (isTidingsError(error)) return error
  const where = redactUrl(url)
  const mapped = fromMqttError(safeCause(error), { adapter: ADAPTER, transport: where })
  const message = redactText(stripPrefix(mapped.message))
  return new TidingsError(mapped.code, message.includes(where) ? message : `${message} (${where})`, {
    adapter: ADAPTER,
    cause: mapped.cause,
    ...(mapped.reasonCode === undefined ? {} : { reasonCode: mapped.reasonCode }),
  })
}

/** Maps a refused PUBLISH (PUBACK/PUBREC ≥ 0x80 under MQTT 5) or a failed send to a TidingsError. */
export function publishError(error: unknown, topic: string): TidingsError {
  return fromMqttError(safeCause(error), { adapter: ADAPTER, operation: 'publish', topic })
}

/** A failed dynsec command, with the plugin's own message. Two kinds of failure have stable codes of their own. */
export function dynsecError(command: string, message: string): TidingsError {
  const code = /already exists/i.test(message)
    ? 'ALREADY_EXISTS'
    : /not found/i.test(message)
      ? 'NOT_FOUND'
      : 'API_ERROR'
  return new TidingsError(code, `dynsec ${redactText(command, 64)} failed: ${redactText(message)}`, {
    adapter: ADAPTER,
  })
}

/**
 * A copy of an error that is safe to keep as a `cause`: its message redacted (socket and TLS errors may
 * quote the URL they failed on), its `code` kept for callers that branch on it, nothing else (no options
 * objects, which hold the password).
 */
export function safeCause(error: unknown): unknown {
  if (isTidingsError(error)) return error
  if (!(error instanceof Error)) return typeof error === 'string' ? redactText(error) : error
  const copy = new Error(redactText(error.message))
  copy.name = error.name
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code })
  return copy
}

// TidingsError prefixes its message with "[tidings] [adapter] "; the constructor adds it again.
function stripPrefix(message: string): string {
  return message.replace(/^\[tidings\](?: \[[^\]]*\])? /, '')
}
