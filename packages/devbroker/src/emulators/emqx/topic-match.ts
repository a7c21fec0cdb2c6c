/**
 * EMQX's `emqx_topic:match/2`: does `name` (a topic name, or the filter a client subscribes to) fall
 * under `filter`? A wildcard in `name` is compared as a plain word, so subscribing to `a/+` is covered
 * by `a/+` or `a/#` but not by `a/b`. Root wildcards never match `$`-topics.
 */
export function emqxTopicMatch(name: string, filter: string): boolean {
  if (name.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false
  const n = name.split('/')
  const f = filter.split('/')
  for (let i = 0; i < f.length; i++) {
    const word = f[i]!
    if (word === '#' && i === f.length - 1) return true
    if (i >= n.length) return false
    if (word !== '+' && word !== n[i]) return false
  }
  return n.length === f.length
}

/** The topic a shared subscription is about: `$share/<group>/<filter>` → `<filter>` (also `$queue/`). */
export function stripShare(filter: string): string {
  if (filter.startsWith('$queue/')) return filter.slice('$queue/'.length)
  if (!filter.startsWith('$share/')) return filter
  const rest = filter.slice('$share/'.length)
  const slash = rest.indexOf('/')
  return slash < 0 ? filter : rest.slice(slash + 1)
}
