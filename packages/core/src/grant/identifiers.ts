import { TidingsError } from '../errors.js'
import { assertTopicFilter } from '../topic/validate.js'
import { isWellFormedUtf16 } from '../topic/utf16.js'

/**
 * The one place where identifiers that reach an authorization decision are checked: user ids, client ids,
 * grant parameters and grant filters. Every issuer and every REST client calls these before it builds a
 * role name, a token, a resource list or a URL path, so a value the app lets users choose can never widen
 * a grant (`+`, `#`), split one (`,` in Aliyun's resource list), be cut short by a C parser (NUL), escape
 * a path segment (`..`), or be expanded by the broker (`${username}` in EMQX's ACL).
 */

/** Longest user id or client id accepted by {@link assertIdentifier} unless told otherwise. */
export const MAX_IDENTIFIER_LENGTH = 128

// `/ + #` change a topic's shape, `,` splits Aliyun's resource list, `%` is URL escaping, `${` is an EMQX
// placeholder; C0 and C1 controls and DEL include NUL, which Mosquitto's JSON parser stops at.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const FORBIDDEN = /[/+#,%\u0000-\u001f\u007f-\u009f]|\$\{/

/** Why `value` cannot be one identifier or topic level, or `undefined` when it can. */
export function identifierProblem(value: unknown, maxLength = MAX_IDENTIFIER_LENGTH): string | undefined {
  if (typeof value !== 'string') return `must be a string, got ${typeof value}`
  if (value.length === 0) return 'must not be empty'
  if (value.length > maxLength) return `must be at most ${maxLength} characters, got ${value.length}`
  if (value === '.' || value === '..') return 'must not be "." or ".."'
  const bad = FORBIDDEN.exec(value)
  if (bad) return `must not contain ${describe(bad[0])}`
  if (!isWellFormedUtf16(value)) return 'must be well-formed UTF-16 (it contains a lone surrogate)'
  return undefined
}

/**
 * Throws `INVALID_OPTIONS` unless `value` is a safe identifier: a non-empty string of at most `maxLength`
 * characters, not `.` or `..`, without `/ + # , %`, `${`, control characters (NUL included) or lone
 * surrogates. The value itself is never echoed whole into the message: it may be hostile.
 */
export function assertIdentifier(
  kind: string,
  value: unknown,
  maxLength: number = MAX_IDENTIFIER_LENGTH,
): asserts value is string {
  const problem = identifierProblem(value, maxLength)
  if (problem) throw new TidingsError('INVALID_OPTIONS', `${kind} ${problem}${preview(value)}`)
}

/** Options of {@link assertGrantFilter}. */
export interface GrantFilterOptions {
  /**
   * Allow filters that start with `$` (system topics). Off by default: a grant to `$SYS/#` or `$share/…`
   * is never what a browser needs; an adapter that needs one grants it itself.
   * @default false
   */
  allowDollar?: boolean
}

/**
 * Throws `INVALID_TOPIC` unless `filter` may be granted to an untrusted client: a well-formed MQTT filter
 * (no NUL, no lone surrogates), without `,` or `${`, not a `$` topic (unless allowed), and not made only of
 * wildcards (`#`, `+/#`, `+/+/+`), which would grant a whole tree level by level.
 */
export function assertGrantFilter(filter: unknown, options: GrantFilterOptions = {}): asserts filter is string {
  if (typeof filter !== 'string') {
    throw new TidingsError('INVALID_TOPIC', `a grant must be a topic filter string, got ${typeof filter}`)
  }
  assertTopicFilter(filter)
  if (filter.includes(',')) throw refused(filter, 'a grant cannot contain "," (it would split a resource list)')
  if (filter.includes('${')) throw refused(filter, 'a grant cannot contain "${" (EMQX would expand it)')
  if (!options.allowDollar && filter.startsWith('$')) throw refused(filter, 'a grant cannot name a $ topic')
  if (filter.split('/').every((level) => level === '+' || level === '#')) {
    throw refused(filter, 'a grant cannot be made only of wildcards')
  }
}

function refused(filter: string, why: string): TidingsError {
  return new TidingsError('INVALID_TOPIC', `${why}: ${JSON.stringify(filter)}`, { topic: filter })
}

function describe(match: string): string {
  if (match === '${') return '"${"'
  const code = match.charCodeAt(0)
  return code < 0x20 || (code >= 0x7f && code <= 0x9f)
    ? `a control character (U+${code.toString(16).toUpperCase().padStart(4, '0')})`
    : `"${match}"`
}

// A short, escaped preview: enough to find the caller's bug, too short to carry a payload into logs.
function preview(value: unknown): string {
  if (typeof value !== 'string') return ''
  const shown = value.length > 32 ? `${value.slice(0, 32)}…` : value
  return `: ${JSON.stringify(shown)}`
}
