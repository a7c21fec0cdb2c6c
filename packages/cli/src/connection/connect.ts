import { aliyun, presignedAuth, tokenAuth } from '@tidings/aliyun'
import { signatureCredentials } from '@tidings/aliyun/server'
import { genericBroker, TidingsError, type BrokerProfile, type ClientOptions } from '@tidings/core'
import { emqx } from '@tidings/emqx'
import { emqxCredentialIssuer } from '@tidings/emqx/server'
import { mosquitto } from '@tidings/mosquitto'
import { rabbitmq } from '@tidings/rabbitmq'
import { parseBrokerUrl, transportFor, type ParsedUrl } from './endpoint.js'
import type { ConnectionSettings } from './settings.js'

/** The topics one command uses: an EMQX JWT grants exactly these. */
export interface CommandTopics {
  subscribe: string[]
  publish: string[]
}

/** Where the CLI connects without --url: a local broker (`tidings broker`). */
export const DEFAULT_URL = 'mqtt://127.0.0.1:1883'

// Minted JWTs live this long; the profile asks for a new one before every reconnect.
const JWT_TTL_SECONDS = 600

/** Client options (profile + transport) for the settings, signing in the way the chosen broker expects. */
export function clientOptions(settings: ConnectionSettings, topics: CommandTopics): ClientOptions {
  const url = parseBrokerUrl(settings.url ?? DEFAULT_URL)
  const broker = profileFor(settings, url, topics)
  return {
    broker,
    transport: transportFor(url.scheme),
    ...(settings.protocolVersion ? { protocolVersion: settings.protocolVersion } : {}),
  }
}

function profileFor(s: ConnectionSettings, url: ParsedUrl, topics: CommandTopics): BrokerProfile {
  const where = {
    host: url.host,
    ...(url.port ? { port: url.port } : {}),
    ...(url.path ? { wsPath: url.path } : {}),
    ...(url.scheme === 'mqtts' || url.scheme === 'wss' ? { tls: true } : {}),
  }
  const login = {
    ...(s.clientId ? { clientId: s.clientId } : {}),
    ...(s.username ? { username: s.username } : {}),
    ...(s.password ? { password: s.password } : {}),
  }
  switch (s.broker) {
    case 'generic':
      // Any broker speaks 3.1.1; MQTT 5 only when asked for (-V 5).
      return genericBroker({ url: s.url ?? DEFAULT_URL, ...login, capabilities: { mqtt5: s.protocolVersion === 5 } })
    case 'mosquitto':
      return mosquitto({ ...where, ...login })
    case 'rabbitmq':
      return rabbitmq({
        ...where,
        ...login,
        ...(s.rabbitmqVersion ? { version: s.rabbitmqVersion } : {}),
        ...(s.protocolVersion ? { protocolVersion: s.protocolVersion } : {}),
      })
    case 'emqx':
      return emqxProfile(s, where, login, topics)
    case 'aliyun':
      return aliyunProfile(s, url)
  }
}

function emqxProfile(
  s: ConnectionSettings,
  where: Record<string, unknown> & { host: string },
  login: { clientId?: string; username?: string; password?: string },
  topics: CommandTopics,
): BrokerProfile {
  const version = s.protocolVersion ? { protocolVersion: s.protocolVersion } : {}
  if (!s.jwtSecret) return emqx({ ...where, ...login, ...version })
  if (s.password) throw new TidingsError('INVALID_OPTIONS', 'give either --jwt-secret or a password, not both')
  const issuer = emqxCredentialIssuer({ secret: s.jwtSecret })
  const userId = s.username ?? 'tidings-cli'
  return emqx({
    ...where,
    ...version,
    credentials: async () => {
      const issued = await issuer.issue({
        userId,
        ...(s.clientId ? { clientId: s.clientId } : {}),
        subscribe: topics.subscribe,
        publish: topics.publish,
        ttlSeconds: JWT_TTL_SECONDS,
      })
      return { clientId: issued.clientId, username: userId, password: issued.password }
    },
  })
}

function aliyunProfile(s: ConnectionSettings, url: ParsedUrl): BrokerProfile {
  const missing = (['instanceId', 'groupId', 'deviceId', 'accessKeyId'] as const).filter((k) => !s[k])
  if (missing.length > 0) {
    const flags = missing.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)
    throw new TidingsError('INVALID_OPTIONS', `--broker aliyun needs ${flags.join(', ')}`)
  }
  const { instanceId, groupId, deviceId, accessKeyId } = s as Required<ConnectionSettings>
  let auth: ReturnType<typeof presignedAuth>
  if (s.token) {
    const token = s.token
    // The token's lifetime is not known here; the broker tells us when it ends.
    auth = tokenAuth({ accessKeyId, fetchToken: () => ({ tokens: { RW: token }, expiresAt: Date.now() + 86_400_000 }) })
  } else if (s.accessKeySecret) {
    const accessKeySecret = s.accessKeySecret
    auth = presignedAuth({
      fetchCredentials: ({ clientId }) => signatureCredentials({ accessKeyId, accessKeySecret, instanceId, clientId }),
    })
  } else {
    throw new TidingsError(
      'INVALID_OPTIONS',
      '--broker aliyun needs --token, or ALIYUN_ACCESS_KEY_SECRET in the environment for Signature mode',
    )
  }
  // The --url overrides the instance endpoint only when given (a local emulator, a proxy).
  const custom = s.url !== undefined
  return aliyun({
    instanceId,
    groupId,
    deviceId,
    credentials: auth,
    ...(custom ? { host: url.host, ...(url.port ? { ports: { [url.scheme]: url.port } } : {}) } : {}),
    ...(url.scheme === 'mqtts' || url.scheme === 'wss' ? { tls: true } : {}),
  })
}
