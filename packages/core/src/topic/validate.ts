import { Buffer } from 'buffer'
import { TidingsError } from '../errors.js'
import { isWellFormedUtf16 } from './utf16.js'

// MQTT 3.1.1 §4.7 / 5.0 §4.7: topic names have no wildcards, filters put `#` last and `+`/`#` alone in
// their level, neither may be empty or contain U+0000, and both are at most 65535 UTF-8 bytes.
const MAX_TOPIC_BYTES = 65_535

/** Throws INVALID_TOPIC unless `topic` is a valid MQTT topic name (what you publish to). */
export function assertTopicName(topic: string): void {
  if (typeof topic !== 'string' || topic.length === 0) throw invalid(topic, 'a topic name must be a non-empty string')
  if (topic.includes('+') || topic.includes('#'))
    throw invalid(topic, 'a topic name cannot contain the wildcards + or #')
  assertCommon(topic)
}

/** Throws INVALID_TOPIC unless `filter` is a valid MQTT topic filter (what you subscribe to). */
export function assertTopicFilter(filter: string): void {
  if (typeof filter !== 'string' || filter.length === 0)
    throw invalid(filter, 'a topic filter must be a non-empty string')
  assertCommon(filter)
  const levels = filter.split('/')
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      throw invalid(filter, '# must be the whole last level of a filter')
    }
    if (level.includes('+') && level !== '+') throw invalid(filter, '+ must be a whole level of a filter')
  }
}

/** Throws INVALID_TOPIC unless `value` can stand as one level of a topic: no `/`, `+`, `#`, not empty. */
export function assertParamValue(name: string, value: unknown, template: string): asserts value is string {
  if (typeof value !== 'string') {
    throw new TidingsError(
      'INVALID_TOPIC',
      `parameter "${name}" of "${template}" must be a string, got ${typeof value}`,
      { topic: template },
    )
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this check refuses
  if (value.length === 0 || /[/+#\u0000]/.test(value)) {
    throw new TidingsError(
      'INVALID_TOPIC',
      `parameter "${name}" of "${template}" must be one non-empty topic level without "/", "+" or "#", got ${JSON.stringify(value)}`,
      { topic: template },
    )
  }
  if (!isWellFormedUtf16(value)) {
    throw new TidingsError(
      'INVALID_TOPIC',
      `parameter "${name}" of "${template}" is not well-formed UTF-16 (a lone surrogate would reach the wire as U+FFFD)`,
      { topic: template },
    )
  }
}

/**
 * Why a topic name received from the broker must be refused, or `undefined` when it may be dispatched.
 *
 * Contract for the client: call it on every PUBLISH topic before matching subscriptions; a non-undefined
 * answer means the broker broke the protocol, so close the connection with `PROTOCOL_ERROR` and
 * dispatch nothing (MQTT 3.1.1 §4.8 / 5.0 §4.13: a receiver of a malformed packet closes the
 * connection). Pure and cheap: one scan of the string.
 *
 * Refused: the empty name (MQTT 5 allows it only with a topic alias, which the client resolves before
 * this check), U+0000, the wildcards `+` and `#` (§4.7.1: names never contain them), lone surrogates,
 * and U+FFFD. The last is a trade-off: the spec says a receiver MUST close on ill-formed UTF-8
 * (§1.5.3 / §1.5.4), but mqtt-packet decodes the topic with `Buffer#toString('utf8')`, which turns every
 * ill-formed sequence into U+FFFD and does not expose the raw bytes. U+FFFD in the decoded name is the
 * only trace of such bytes, so it is refused, at the cost of refusing a well-formed U+FFFD a publisher
 * meant literally (Mosquitto and EMQX refuse ill-formed UTF-8 topics from their publishers, so this
 * only trips on a broken or hostile broker or path).
 */
export function incomingTopicProblem(topic: string): string | undefined {
  if (typeof topic !== 'string' || topic.length === 0) return 'the topic name is empty'
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i)
    if (c === 0) return 'the topic name contains U+0000'
    if (c === 0x2b /* + */ || c === 0x23 /* # */) return 'the topic name contains the wildcard + or #'
    if (c === 0xfffd) return 'the topic name contains U+FFFD (ill-formed UTF-8 from the broker)'
  }
  if (!isWellFormedUtf16(topic)) return 'the topic name is not well-formed UTF-16'
  return undefined
}

function assertCommon(topic: string): void {
  if (topic.includes('\u0000')) throw invalid(topic, 'a topic cannot contain U+0000')
  if (!isWellFormedUtf16(topic)) throw invalid(topic, 'a topic must be well-formed UTF-16 (no lone surrogates)')
  // Byte length only matters near the limit; most topics are far shorter, so skip the encode.
  if (topic.length * 3 > MAX_TOPIC_BYTES && Buffer.byteLength(topic, 'utf8') > MAX_TOPIC_BYTES) {
    throw invalid(topic, `a topic is at most ${MAX_TOPIC_BYTES} UTF-8 bytes`)
  }
}

function invalid(topic: unknown, why: string): TidingsError {
  return new TidingsError('INVALID_TOPIC', `${why}: ${JSON.stringify(topic)}`, { topic: String(topic) })
}
