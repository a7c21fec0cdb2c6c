import type { IClientOptions } from 'mqtt'
import type { ConnectCredentials } from '../contracts.js'
import type { EngineOptions } from './mqtt-engine.js'
import { ControlIds } from './packet-ids.js'

/**
 * The `MqttClient` options for one connection, from the client's options and that attempt's credentials.
 * Types only from `mqtt`: `mqtt-engine.ts` stays the one module that drives MQTT.js.
 */

/** The largest packet a client accepts unless `maxPacketBytes` says otherwise. */
export const DEFAULT_MAX_PACKET_BYTES = 16 * 1024 * 1024

/** One day: how long a persistent session outlives its connection unless `session.expirySeconds` says otherwise. */
export const DEFAULT_SESSION_EXPIRY_SECONDS = 86_400

export function clientOptions(
  { client: o, protocolVersion }: EngineOptions,
  credentials: ConnectCredentials,
): IClientOptions {
  const will = o.will
  const clean = o.session ? !o.session.persistent : (o.clean ?? true)
  const expiry = o.session?.persistent
    ? (o.session.expirySeconds ?? DEFAULT_SESSION_EXPIRY_SECONDS)
    : o.session
      ? undefined
      : o.sessionExpirySeconds
  return {
    manualConnect: true,
    // tidings owns reconnecting (jittered backoff, fresh credentials); MQTT.js's fixed-period timer stays off.
    reconnectPeriod: 0,
    resubscribe: false,
    protocolVersion,
    keepalive: o.keepaliveSeconds ?? 30,
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    clean,
    clientId: credentials.clientId,
    username: credentials.username,
    // MQTT.js types say Buffer; a Uint8Array password is written the same way by mqtt-packet.
    password: credentials.password as IClientOptions['password'],
    timerVariant: 'native',
    // Publish ids are tidings' own (packet-ids.ts): MQTT.js numbers only SUBSCRIBE/UNSUBSCRIBE, above them.
    messageIdProvider: new ControlIds(),
    // MQTT.js logs through `debug` 5–10 times per packet even when nothing is printed; skip it unless asked.
    ...(o.debug ? {} : { log: noLog }),
    ...(protocolVersion === 5
      ? {
          properties: {
            // The broker must not send this client a larger packet (it drops it instead).
            maximumPacketSize: o.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES,
            ...(expiry !== undefined ? { sessionExpiryInterval: expiry } : {}),
          },
        }
      : {}),
    ...(will
      ? {
          will: {
            topic: will.topic,
            payload: will.payload as Buffer,
            qos: will.qos ?? 0,
            retain: will.retain ?? false,
          },
        }
      : {}),
  }
}

function noLog(): void {}
