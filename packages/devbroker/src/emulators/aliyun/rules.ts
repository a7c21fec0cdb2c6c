// Aliyun's client id and topic rules, written from the product limits independently of @tidings/aliyun,
// so the emulator checks the adapter rather than agreeing with it by construction.

const NAME = /^[A-Za-z0-9_-]+$/

/** Why a client id breaks the rules, or undefined when it is fine. */
export function clientIdProblem(clientId: string): string | undefined {
  const at = clientId.indexOf('@@@')
  if (at < 0 || clientId.indexOf('@@@', at + 3) >= 0) return 'client id must be <GroupId>@@@<DeviceId>'
  const group = clientId.slice(0, at)
  const device = clientId.slice(at + 3)
  if (!group.startsWith('GID_') && !group.startsWith('GID-')) return 'group id must start with GID_ or GID-'
  if (group.length < 7 || group.length > 64 || !NAME.test(group)) return 'group id must be 7-64 letters, digits, - or _'
  if (!device || !NAME.test(device)) return 'device id must be letters, digits, - or _'
  if (clientId.length > 64) return 'client id longer than 64 characters'
  return undefined
}

/** The group id of a valid client id. */
export function groupOf(clientId: string): string {
  return clientId.slice(0, clientId.indexOf('@@@'))
}

/** Why a topic or filter breaks the rules (given the registered parent topics), or undefined. */
export function topicProblem(topic: string, parents: ReadonlySet<string> | undefined): string | undefined {
  // Parent topic and sub-levels together: 3 to 64 characters.
  if (topic.length < 3) return 'topic shorter than 3 characters'
  if (topic.length > 64) return 'topic longer than 64 characters'
  const parent = topic.split('/')[0] ?? ''
  if (!NAME.test(parent)) return 'first level must be a parent topic'
  // Parent topics are case-insensitive on Aliyun.
  if (parents && !parents.has(parent.toLowerCase())) return `parent topic ${parent} does not exist`
  return undefined
}

/**
 * Why one ApplyToken resource is refused, or undefined: a topic or filter under an existing parent topic,
 * 3–64 characters, with `+` and `#` only as whole levels (`#` last), no `$` topic and no NUL. The list is
 * split on commas before this runs, so a comma inside one grant has already made two resources of it, as
 * on Aliyun.
 */
export function resourceProblem(resource: string, parents: ReadonlySet<string> | undefined): string | undefined {
  if (resource.length === 0) return 'empty resource'
  if (resource.startsWith('$')) return 'no $ topics'
  if (resource.includes('\u0000')) return 'resource contains NUL'
  const levels = resource.split('/')
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!
    if ((level.includes('+') || level.includes('#')) && level.length > 1) return 'wildcard inside a level'
    if (level === '#' && i !== levels.length - 1) return '"#" must be the last level'
  }
  return topicProblem(resource, parents)
}

/** The target client id of a P2P topic `<parent>/p2p/<clientId>`, if it is one. */
export function p2pTarget(topic: string): string | undefined {
  const parts = topic.split('/')
  return parts.length === 3 && parts[1] === 'p2p' && parts[2] ? parts[2] : undefined
}

/** MQTT topic matching: does `filter` match the topic name `topic`? */
export function matches(filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true
    if (i >= t.length) return false
    if (f[i] !== '+' && f[i] !== t[i]) return false
  }
  return f.length === t.length
}

/** Does the token resource `resource` allow everything the subscription filter `filter` can match? */
export function covers(resource: string, filter: string): boolean {
  const r = resource.split('/')
  const f = filter.split('/')
  for (let i = 0; i < r.length; i++) {
    if (r[i] === '#') return true
    if (i >= f.length) return false
    if (f[i] === '#') return false
    if (r[i] === '+') continue
    if (f[i] === '+' || r[i] !== f[i]) return false
  }
  return r.length === f.length
}
