import { TidingsError } from '@tidings/core'
import { BROKER_NAME } from '../names.js'

/** Token permission types: `R` subscribe, `W` publish, `RW` both. */
export type TokenType = 'R' | 'W' | 'RW'

/** At most one token per type, as Aliyun requires. */
export type TokenSet = Partial<Record<TokenType, string>>

const TYPES: readonly TokenType[] = ['R', 'W', 'RW']

/**
 * The CONNECT password of Token mode: `<type>|<token>` pairs joined by `|`, e.g. `R|123|W|abcd` or `RW|xyz`.
 * Throws INVALID_OPTIONS for an empty set or a token that is empty or contains `|`.
 */
export function formatTokenPassword(tokens: TokenSet): string {
  const parts: string[] = []
  for (const type of TYPES) {
    const token = tokens[type]
    if (token === undefined) continue
    if (typeof token !== 'string' || token.length === 0 || token.includes('|')) {
      throw new TidingsError('INVALID_OPTIONS', `the ${type} token must be a non-empty string without "|"`, {
        adapter: BROKER_NAME,
      })
    }
    parts.push(type, token)
  }
  if (parts.length === 0)
    throw new TidingsError('INVALID_OPTIONS', 'a token password needs at least one R, W or RW token', {
      adapter: BROKER_NAME,
    })
  return parts.join('|')
}

/** Reads a Token-mode password back into its tokens; throws INVALID_OPTIONS when malformed. */
export function parseTokenPassword(password: string): TokenSet {
  const parts = typeof password === 'string' ? password.split('|') : []
  if (parts.length === 0 || parts.length % 2 !== 0) {
    throw new TidingsError('INVALID_OPTIONS', 'a token password is <type>|<token> pairs such as R|…|W|… or RW|…', {
      adapter: BROKER_NAME,
    })
  }
  const tokens: TokenSet = {}
  for (let i = 0; i < parts.length; i += 2) {
    const type = parts[i] as TokenType
    const token = parts[i + 1]!
    if (!TYPES.includes(type))
      throw new TidingsError('INVALID_OPTIONS', `unknown token type ${JSON.stringify(type)}; use R, W or RW`, {
        adapter: BROKER_NAME,
      })
    if (tokens[type] !== undefined)
      throw new TidingsError('INVALID_OPTIONS', `two ${type} tokens; Aliyun takes at most one per type`, {
        adapter: BROKER_NAME,
      })
    if (token.length === 0)
      throw new TidingsError('INVALID_OPTIONS', `the ${type} token is empty`, { adapter: BROKER_NAME })
    tokens[type] = token
  }
  return tokens
}

/** The token type for ApplyToken `Actions`: `R` → R, `W` → W, `R,W` → RW. */
export function tokenTypeOf(actions: 'R' | 'W' | 'R,W'): TokenType {
  return actions === 'R,W' ? 'RW' : actions
}
