import { randomBytes } from 'node:crypto'
import { TidingsError } from '@tidings/core'
import { redactUrl } from '@tidings/core/server'
import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import { ADAPTER, connectError } from './errors.js'

/** Options of {@link connectMqtt}. */
export interface MqttConnectOptions {
  /** Broker URL: `mqtt://host:1883`, `mqtts://host:8883`, `ws://host:8080/mqtt` or `wss://…`. */
  url: string
  username?: string
  password?: string
  /** @default a random `tidings-backend-…` id */
  clientId?: string
  /** Time allowed for the first CONNACK. @default 10000 */
  connectTimeoutMs?: number
  /**
   * More MQTT.js options, e.g. `ca` for a private CA or `reconnectPeriod`. The connection always speaks
   * MQTT 5, so refused publishes come back as errors instead of being dropped silently.
   */
  mqtt?: IClientOptions
}

const SCHEMES = /^(mqtts?|wss?):\/\//

/**
 * Opens a backend MQTT 5 connection with MQTT.js and resolves once the broker accepted it. Failures of
 * that first attempt reject with a TidingsError (NOT_AUTHORIZED, CONNECTION_REFUSED, CONNECT_TIMEOUT,
 * TLS_UNTRUSTED…); later drops are healed by MQTT.js's own reconnect. Credentials in the URL
 * (`mqtt://user:password@host`) never reach an error's message or cause.
 *
 * @example
 * ```ts
 * const mqtt = await connectMqtt({ url: 'mqtt://127.0.0.1:1883', username: 'backend', password })
 * const publisher = mosquittoServerPublisher(mqtt)
 * ```
 */
export function connectMqtt(options: MqttConnectOptions): Promise<MqttClient> {
  const { url } = options
  if (typeof url !== 'string' || !SCHEMES.test(url)) {
    return Promise.reject(
      new TidingsError(
        'INVALID_OPTIONS',
        `url must be mqtt://, mqtts://, ws:// or wss://, got ${redactUrl(String(url)).slice(0, 200)}`,
        {
          adapter: ADAPTER,
        },
      ),
    )
  }
  const timeoutMs = options.connectTimeoutMs ?? 10_000
  const client = connect(url, {
    ...options.mqtt,
    protocolVersion: 5,
    clientId: options.clientId ?? `tidings-backend-${randomBytes(5).toString('hex')}`,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    connectTimeout: timeoutMs,
  })
  return new Promise<MqttClient>((resolve, reject) => {
    // MQTT.js does not emit 'error' for unreachable hosts (it just retries), so the socket's own error is
    // kept to explain the 'close' that follows.
    let socketError: unknown
    client.stream?.once('error', (error: unknown) => {
      socketError = error
    })
    const timer = setTimeout(
      () =>
        fail(
          new TidingsError('CONNECT_TIMEOUT', `no CONNACK from ${redactUrl(url)} within ${timeoutMs} ms`, {
            adapter: ADAPTER,
          }),
        ),
      timeoutMs,
    )
    const done = (): void => {
      clearTimeout(timer)
      client.off('connect', onConnect)
      client.off('error', fail)
      client.off('close', onClose)
    }
    const fail = (error: unknown): void => {
      done()
      client.end(true)
      reject(connectError(error, url))
    }
    const onConnect = (): void => {
      done()
      resolve(client)
    }
    const onClose = (): void =>
      fail(
        socketError ??
          new TidingsError('CONNECTION_REFUSED', `${redactUrl(url)} closed the connection before CONNACK`, {
            adapter: ADAPTER,
          }),
      )
    client.on('connect', onConnect)
    client.on('error', fail)
    client.on('close', onClose)
  })
}
