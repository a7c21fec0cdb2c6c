import { bytes, TidingsError, topic, type Topic } from '@tidings/core'

/** A topic argument: a `{param}` template or a plain topic (typed), or a filter with `+`/`#` (raw). */
export type TopicArg =
  | { kind: 'typed'; topic: Topic<string, Uint8Array>; params: Record<string, string> }
  | { kind: 'filter'; filter: string }

/** Parses repeated `--param key=value` flags. */
export function parseParams(pairs: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    if (at <= 0) throw new TidingsError('INVALID_OPTIONS', `--param must be key=value, got ${JSON.stringify(pair)}`)
    out[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return out
}

/** Collects a repeatable flag. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/** Reads the topic argument of `sub`/`pub`. */
export function topicArg(
  text: string,
  params: Record<string, string>,
  opts: { qos: 0 | 1 | 2; retain?: boolean; allowFilter: boolean },
): TopicArg {
  const levels = text.split('/')
  if (levels.some((level) => level === '+' || level === '#')) {
    if (!opts.allowFilter) {
      throw new TidingsError('INVALID_TOPIC', `cannot publish to a filter with + or #: ${JSON.stringify(text)}`)
    }
    if (Object.keys(params).length > 0) {
      throw new TidingsError('INVALID_OPTIONS', '--param needs a {param} template, not a filter with + or #')
    }
    return { kind: 'filter', filter: text }
  }
  const t = topic(text, bytes(), { qos: opts.qos, retain: opts.retain ?? false })
  const unknown = Object.keys(params).filter((name) => !(t.params as readonly string[]).includes(name))
  if (unknown.length > 0) {
    throw new TidingsError('INVALID_OPTIONS', `--param ${unknown.join(', ')} is not in the template ${text}`)
  }
  return { kind: 'typed', topic: t, params }
}

/** Parses `--qos`. */
export function parseQos(value: string | undefined, fallback: 0 | 1 | 2 = 0): 0 | 1 | 2 {
  if (value === undefined) return fallback
  if (value !== '0' && value !== '1' && value !== '2')
    throw new TidingsError('INVALID_OPTIONS', '--qos must be 0, 1 or 2')
  return Number(value) as 0 | 1 | 2
}

/** Parses a positive whole number flag. */
export function parseCount(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 1e9)
    throw new TidingsError('INVALID_OPTIONS', `${name} must be a whole number ≥ 1`)
  return n
}

/** Parses a duration in seconds (fractions allowed). */
export function parseSeconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0 || n > 86_400)
    throw new TidingsError('INVALID_OPTIONS', `${name} must be seconds > 0`)
  return n
}
