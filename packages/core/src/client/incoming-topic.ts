import { TidingsError } from '../errors.js'
import { incomingTopicProblem } from '../topic/validate.js'

/**
 * The INVALID_TOPIC error for a topic name from the broker that must not be dispatched, or undefined. The
 * check is core's `incomingTopicProblem` (empty, wildcard, NUL, U+FFFD from ill-formed UTF-8, lone
 * surrogate); the trie refuses wildcard names as well, as a second line.
 */
export function incomingTopicError(adapter: string, topic: string): TidingsError | undefined {
  const problem = incomingTopicProblem(topic)
  if (problem === undefined) return undefined
  return new TidingsError('INVALID_TOPIC', `${adapter} sent a message on an invalid topic: ${problem}`, {
    adapter,
    // Quoted and cut short: the name is untrusted and may hold control characters.
    topic: JSON.stringify(topic.slice(0, 128)),
  })
}
