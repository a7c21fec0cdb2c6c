import { TidingsError } from '@tidings/core'
import { Option, type Command } from 'commander'
import { loadProfile } from './config.js'
import { BROKERS, toSettings, type ConnectionSettings } from './settings.js'

/** The connection flags every command that talks to a broker takes. */
export interface ConnectionFlags {
  profile?: string
  config?: string
  broker?: string
  url?: string
  username?: string
  password?: string
  clientId?: string
  protocolVersion?: string
  jwtSecret?: string
  accessKeyId?: string
  instanceId?: string
  groupId?: string
  deviceId?: string
  token?: string
  /** The name of an environment variable holding the token. */
  tokenEnv?: string
  rabbitmqVersion?: string
}

/** Adds the connection flags to a command. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('--profile <name>', 'saved connection profile from the config file')
    .option('--config <path>', 'config file (default ./tidings.config.json, then ~/.config/tidings/config.json)')
    .addOption(new Option('--broker <preset>', 'broker preset and its way of signing in').choices([...BROKERS]))
    .option(
      '--url <url>',
      'mqtt://host:1883, mqtts://…, ws://host:8083/mqtt or wss://… (default mqtt://127.0.0.1:1883)',
    )
    .option('-u, --username <name>', 'user name')
    .option('--password <password>', 'password (prefer TIDINGS_PASSWORD in the environment)')
    .option('-i, --client-id <id>', 'client id (default a random tidings-… id)')
    .addOption(new Option('-V, --protocol-version <n>', 'MQTT version').choices(['4', '5']))
    .option(
      '--jwt-secret <secret>',
      'emqx: mint a short-lived JWT for exactly this command’s topics (or EMQX_JWT_SECRET)',
    )
    .option('--access-key-id <id>', 'aliyun: AccessKeyId; the secret comes from ALIYUN_ACCESS_KEY_SECRET')
    .option('--instance-id <id>', 'aliyun: instance id')
    .option('--group-id <id>', 'aliyun: group id (GID_…)')
    .option('--device-id <id>', 'aliyun: device id; the client id is <group>@@@<device>')
    .option(
      '--token <token>',
      'aliyun: a token (Token mode) instead of Signature mode; visible in the process list, prefer TIDINGS_TOKEN or --token-env',
    )
    .option('--token-env <name>', 'aliyun: read the token from this environment variable (default TIDINGS_TOKEN)')
    .option('--rabbitmq-version <version>', 'rabbitmq: server version, e.g. 3.10 or 3.13')
}

/**
 * Settings for a command: the saved profile (if any), then the flags, then secrets from the environment
 * where no flag gave them. `ALIYUN_ACCESS_KEY_SECRET` is only ever read from the environment.
 */
export function resolveSettings(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const raw: Record<string, unknown> = flags.profile ? loadProfile(flags.profile, flags.config, env) : {}
  for (const key of [
    'broker',
    'url',
    'username',
    'password',
    'clientId',
    'protocolVersion',
    'jwtSecret',
    'accessKeyId',
    'instanceId',
    'groupId',
    'deviceId',
    'token',
    'rabbitmqVersion',
  ] as const) {
    if (flags[key] !== undefined) raw[key] = flags[key]
  }
  if (raw.password === undefined && env.TIDINGS_PASSWORD) raw.password = env.TIDINGS_PASSWORD
  const token = tokenFromEnv(flags, env)
  if (token !== undefined && flags.token === undefined && (flags.tokenEnv !== undefined || raw.token === undefined))
    raw.token = token
  if (raw.broker === 'emqx' && raw.jwtSecret === undefined && env.EMQX_JWT_SECRET) raw.jwtSecret = env.EMQX_JWT_SECRET
  if (raw.broker === 'aliyun') {
    if (raw.accessKeyId === undefined && env.ALIYUN_ACCESS_KEY_ID) raw.accessKeyId = env.ALIYUN_ACCESS_KEY_ID
    if (env.ALIYUN_ACCESS_KEY_SECRET) raw.accessKeySecret = env.ALIYUN_ACCESS_KEY_SECRET
  }
  return toSettings(raw)
}

/**
 * The token from the environment: the variable `--token-env` names (which must be set), else
 * `TIDINGS_TOKEN`. Flags show in the process list to every user of the machine; the environment does not.
 */
function tokenFromEnv(flags: ConnectionFlags, env: NodeJS.ProcessEnv): string | undefined {
  if (flags.tokenEnv === undefined) return env.TIDINGS_TOKEN || undefined
  if (flags.token !== undefined)
    throw new TidingsError('INVALID_OPTIONS', 'give either --token or --token-env, not both')
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(flags.tokenEnv))
    throw new TidingsError(
      'INVALID_OPTIONS',
      `--token-env must name an environment variable, got ${JSON.stringify(flags.tokenEnv)}`,
    )
  const value = env[flags.tokenEnv]
  // The variable's name only: its value is the secret.
  if (!value)
    throw new TidingsError('INVALID_OPTIONS', `--token-env ${flags.tokenEnv}: that environment variable is not set`)
  return value
}
