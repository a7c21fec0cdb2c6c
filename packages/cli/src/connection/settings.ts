import { TidingsError } from '@tidings/core'

/** Broker presets the CLI knows; each brings its broker's own way of signing in. */
export const BROKERS = ['generic', 'emqx', 'aliyun', 'mosquitto', 'rabbitmq'] as const
export type BrokerPreset = (typeof BROKERS)[number]

/**
 * Everything needed to connect, merged from a saved profile and the command line (the command line
 * wins). Secrets are plain strings here: they were read from the environment, never from a file.
 */
export interface ConnectionSettings {
  broker: BrokerPreset
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://` URL. @default mqtt://127.0.0.1:1883 (Aliyun: the instance endpoint) */
  url?: string
  username?: string
  password?: string
  clientId?: string
  protocolVersion?: 4 | 5
  /** EMQX: HMAC secret to mint a short-lived JWT with an ACL for exactly this command's topics. */
  jwtSecret?: string
  /** Aliyun. */
  accessKeyId?: string
  accessKeySecret?: string
  instanceId?: string
  groupId?: string
  deviceId?: string
  token?: string
  /** RabbitMQ server version, e.g. `3.10`. */
  rabbitmqVersion?: string
}

/** Keys that hold secrets: a saved profile may only name an environment variable for them. */
export const SECRET_KEYS = ['password', 'jwtSecret', 'accessKeySecret', 'token'] as const

const STRING_KEYS = [
  'url',
  'username',
  'clientId',
  'accessKeyId',
  'instanceId',
  'groupId',
  'deviceId',
  'rabbitmqVersion',
] as const

/** Checks and normalizes raw settings (from a profile or flags) into {@link ConnectionSettings}. */
export function toSettings(raw: Record<string, unknown>): ConnectionSettings {
  const broker = raw.broker ?? 'generic'
  if (typeof broker !== 'string' || !(BROKERS as readonly string[]).includes(broker)) {
    throw new TidingsError('INVALID_OPTIONS', `--broker must be one of ${BROKERS.join(', ')}, got ${String(broker)}`)
  }
  const out: ConnectionSettings = { broker: broker as BrokerPreset }
  for (const key of [...STRING_KEYS, ...SECRET_KEYS]) {
    const value = raw[key]
    if (value === undefined) continue
    if (typeof value !== 'string' || value.length === 0) {
      throw new TidingsError('INVALID_OPTIONS', `${key} must be a non-empty string`)
    }
    out[key] = value
  }
  if (raw.protocolVersion !== undefined) {
    const v = Number(raw.protocolVersion)
    if (v !== 4 && v !== 5) throw new TidingsError('INVALID_OPTIONS', '--protocol-version must be 4 or 5')
    out.protocolVersion = v
  }
  return out
}
