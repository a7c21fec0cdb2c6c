import { TidingsError, assertGrantFilter } from '@tidings/core'
import { ALIYUN_LIMITS, BROKER_NAME, validateAliyunTopic } from '../names.js'

/** Shortest topic Aliyun accepts, parent topic included. */
const MIN_TOPIC_LENGTH = 3

/**
 * Throws `INVALID_TOPIC` unless `resource` is one ApplyToken resource that Aliyun reads as written: core's
 * grant rules (a well-formed filter, no `,` that would split the comma-joined list, no `$` topic, not only
 * wildcards), then Aliyun's own (a parent topic of letters, digits, `-` and `_` as the first level,
 * 3–64 characters in all). Every resource is checked, not only the first.
 */
export function assertAliyunResource(resource: unknown): asserts resource is string {
  assertGrantFilter(resource, { allowDollar: false })
  validateAliyunTopic(resource, 'publish')
  if (resource.length < MIN_TOPIC_LENGTH) {
    throw new TidingsError(
      'INVALID_TOPIC',
      `topic ${JSON.stringify(resource)} is shorter than ${MIN_TOPIC_LENGTH} characters; Aliyun topics are ${MIN_TOPIC_LENGTH}–${ALIYUN_LIMITS.maxTopicLength}`,
      { adapter: BROKER_NAME, topic: resource },
    )
  }
}
