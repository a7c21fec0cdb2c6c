import { TidingsError, fromMqttError, isTidingsError } from '@tidings/core'

export const ADAPTER = 'mosquitto'

/** Maps a failed MQTT.js connect (CONNACK refusal, socket or TLS error) to a TidingsError. */
export function connectError(error: unknown, url: string): TidingsError {
  if (isTidingsError(error)) return error
  return fromMqttError(error, { adapter: ADAPTER, transport: url })
}

/** Maps a refused PUBLISH (PUBACK/PUBREC ≥ 0x80 under MQTT 5) or a failed send to a TidingsError. */
export function publishError(error: unknown, topic: string): TidingsError {
  return fromMqttError(error, { adapter: ADAPTER, operation: 'publish', topic })
}

/** A failed dynsec command, with the plugin's own message. Two kinds of failure have stable codes of their own. */
export function dynsecError(command: string, message: string): TidingsError {
  const code = /already exists/i.test(message)
    ? 'ALREADY_EXISTS'
    : /not found/i.test(message)
      ? 'NOT_FOUND'
      : 'API_ERROR'
  return new TidingsError(code, `dynsec ${command} failed: ${message}`, { adapter: ADAPTER })
}
