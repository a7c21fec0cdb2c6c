import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { TidingsError } from '@tidings/core'
import { SECRET_KEYS } from './settings.js'

/** A value read from an environment variable: `{ "env": "EMQX_JWT_SECRET" }`. */
interface EnvRef {
  env: string
}

/**
 * Where saved profiles live: `--config`, else `TIDINGS_CONFIG`, else `tidings.config.json` in the working
 * directory, else `$XDG_CONFIG_HOME/tidings/config.json` (`~/.config/tidings/config.json`).
 */
export function configPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (explicit) return resolve(explicit)
  if (env.TIDINGS_CONFIG) return resolve(env.TIDINGS_CONFIG)
  const local = resolve('tidings.config.json')
  if (existsSync(local)) return local
  const home = join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'tidings', 'config.json')
  return existsSync(home) ? home : undefined
}

/**
 * Reads one saved profile, with every `{ "env": NAME }` value replaced by that variable. A secret written
 * into the file as plain text is refused: config files get committed, shared and backed up.
 */
export function loadProfile(
  name: string,
  explicitPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, unknown> {
  const path = configPath(explicitPath, env)
  if (!path) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `profile "${name}" asked for, but there is no config file (tidings.config.json or ~/.config/tidings/config.json)`,
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new TidingsError('INVALID_OPTIONS', `cannot read config ${path}: ${(error as Error).message}`)
  }
  const profiles = (parsed as { profiles?: unknown })?.profiles
  const profile = isRecord(profiles) ? profiles[name] : undefined
  if (!isRecord(profile)) {
    const known = isRecord(profiles) ? Object.keys(profiles).join(', ') : ''
    throw new TidingsError('INVALID_OPTIONS', `no profile "${name}" in ${path}${known ? ` (it has: ${known})` : ''}`)
  }
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(profile)) {
    if (isEnvRef(value)) {
      const resolved = env[value.env]
      if (resolved === undefined || resolved === '') {
        throw new TidingsError(
          'INVALID_OPTIONS',
          `profile "${name}": ${key} comes from $${value.env}, which is not set`,
        )
      }
      out[key] = resolved
    } else if ((SECRET_KEYS as readonly string[]).includes(key)) {
      throw new TidingsError(
        'INVALID_OPTIONS',
        `profile "${name}": ${key} must not be stored in the config file; write { "env": "VARIABLE" } and set it in the environment`,
      )
    } else {
      out[key] = value
    }
  }
  return out
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isEnvRef(value: unknown): value is EnvRef {
  return isRecord(value) && typeof value.env === 'string' && Object.keys(value).length === 1
}
