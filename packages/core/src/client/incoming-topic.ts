import { TidingsError } from '../errors.js'

/**
 * Why a topic name that arrived in a PUBLISH from the broker cannot be dispatched, or undefined when it
 * can. A broker must only send topic names (MQTT 3.1.1 §4.7, 5.0 §4.7): never empty, no wildcards, no
 * NUL, well-formed UTF-8. Bytes that are not valid UTF-8 reach the client decoded as U+FFFD, so that
 * character is refused too. Handlers and `meta.params` therefore only ever see topics the broker could
 * legitimately have routed.
 */
export function incomingTopicProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'it is empty'
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i)
    if (c === 0x2b || c === 0x23) return 'it contains a wildcard'
    if (c === 0) return 'it contains NUL'
    if (c === 0xfffd) return 'it is not valid UTF-8'
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = topic.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++
        continue
      }
      return 'it contains a lone surrogate'
    }
    if (c >= 0xdc00 && c <= 0xdfff) return 'it contains a lone surrogate'
  }
  return undefined
}

/** The INVALID_TOPIC error for a topic name from the broker that must not be dispatched, or undefined. */
export function incomingTopicError(adapter: string, topic: string): TidingsError | undefined {
  const problem = incomingTopicProblem(topic)
  if (problem === undefined) return undefined
  return new TidingsError('INVALID_TOPIC', `${adapter} sent a message on an invalid topic: ${problem}`, {
    adapter,
    // Quoted and cut short: the name is untrusted and may hold control characters.
    topic: JSON.stringify(topic.slice(0, 128)),
  })
}
