import { TidingsError, assertTopicFilter } from '@tidings/core'

/**
 * A shared-subscription filter, `$share/<group>/<filter>`: EMQX hands each message to one member of the
 * group (round robin by default) and to every group. Only `$share/` is ever produced: `$queue/` is
 * deprecated on EMQX and a literal topic elsewhere.
 *
 * Clients can also pass `{ share: group }` to `subscribe()`; this helper is for raw filters, e.g. the REST
 * API's `subscribeClient` or `listSubscriptions({ topic })`.
 *
 * @example share('workers', 'jobs/+')  // '$share/workers/jobs/+'
 */
export function share(group: string, filter: string): string {
  if (typeof group !== 'string' || !/^[^/+#]+$/.test(group)) {
    throw new TidingsError(
      'INVALID_TOPIC',
      `share group must be one non-empty level without / + #, got ${JSON.stringify(group)}`,
      { adapter: 'emqx' },
    )
  }
  assertTopicFilter(filter)
  if (filter.startsWith('$share/') || filter.startsWith('$queue/')) {
    throw new TidingsError('INVALID_TOPIC', `filter is already shared: ${JSON.stringify(filter)}`, {
      adapter: 'emqx',
      topic: filter,
    })
  }
  return `$share/${group}/${filter}`
}
