import { emqxTopicMatch } from './topic-match.js'

/** What a client asks to do. */
export interface AclAction {
  type: 'publish' | 'subscribe'
  /** The topic name (publish) or filter without any `$share/<group>/` prefix (subscribe). */
  topic: string
  qos: number
  retain?: boolean
}

/** Who asks: the values EMQX renders into `${username}` and `${clientid}`. */
export interface AclSubject {
  username: string | undefined
  clientid: string
}

/** The JWT ACL's answer: a decision, or `'nomatch'` (the list format passes through to `no_match`). */
export type AclDecision = 'allow' | 'deny' | 'nomatch'

/**
 * Checks an action against a token's ACL claim as `emqx_authz_client_info` does:
 * - list format (EMQX ≥ 5.5): rules in order, the first match wins, no match passes through;
 * - map format (`pub`/`sub`/`all`): a whitelist, no match is a deny;
 * - anything else is ignored (passes through).
 */
export function checkAcl(acl: unknown, action: AclAction, subject: AclSubject): AclDecision {
  if (Array.isArray(acl)) {
    for (const rule of acl) {
      const decision = matchRule(rule, action, subject)
      if (decision) return decision
    }
    return 'nomatch'
  }
  if (typeof acl === 'object' && acl !== null) {
    const map = acl as Record<string, unknown>
    const lists = [map.all, action.type === 'publish' ? map.pub : map.sub]
    for (const list of lists) {
      if (
        Array.isArray(list) &&
        list.some((topic) => typeof topic === 'string' && topicMatches(topic, action.topic, subject))
      )
        return 'allow'
    }
    return 'deny'
  }
  return 'nomatch'
}

/** One list-format rule as EMQX compiles it (emqx_authz_rule_raw:parse_rule/1). */
interface ParsedRule {
  permission: 'allow' | 'deny'
  action: 'publish' | 'subscribe' | 'all'
  topics: string[]
  qos: number[]
  /** `undefined`: any retain flag. */
  retain: boolean | undefined
}

/**
 * Why EMQX would refuse this ACL claim, or `undefined` when it compiles. EMQX parses the whole list when
 * the token is checked and one malformed rule fails the authentication as "bad user name or password"
 * (emqx_authn_jwt: `bad_acl_rule`); it never skips a rule. The map format is taken as it is.
 */
export function aclProblem(acl: unknown): string | undefined {
  if (acl === undefined) return undefined
  if (Array.isArray(acl)) {
    for (const [index, rule] of acl.entries()) {
      const parsed = parseRule(rule)
      if (typeof parsed === 'string') return `ACL rule ${index}: ${parsed}`
    }
    return undefined
  }
  if (typeof acl === 'object' && acl !== null) return undefined
  return 'the ACL claim is neither a rule list nor a pub/sub map'
}

function parseRule(rule: unknown): ParsedRule | string {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return 'not an object'
  const r = rule as Record<string, unknown>
  if (r.permission === undefined || r.action === undefined) return "missing 'permission' or 'action'"
  let topics: string[]
  if (typeof r.topic === 'string') topics = [r.topic]
  else if (Array.isArray(r.topics) && r.topics.every((t) => typeof t === 'string')) topics = r.topics as string[]
  else return "missing 'topic' or 'topics'"
  if (r.permission !== 'allow' && r.permission !== 'deny') return 'invalid permission'
  const action = ACTIONS[String(r.action)]
  if (typeof r.action !== 'string' || !action) return 'invalid action'
  const qos = parseQos(r.qos)
  if (!qos) return 'invalid qos'
  const retain = action === 'subscribe' ? undefined : parseRetain(r.retain)
  if (retain === 'invalid') return 'invalid retain'
  return { permission: r.permission, action, topics, qos, retain }
}

const ACTIONS: Record<string, ParsedRule['action'] | undefined> = {
  pub: 'publish',
  publish: 'publish',
  sub: 'subscribe',
  subscribe: 'subscribe',
  all: 'all',
}

function parseQos(value: unknown): number[] | undefined {
  if (value === undefined || value === null) return [0, 1, 2]
  const one = (q: unknown): number | undefined =>
    q === 0 || q === 1 || q === 2 ? q : q === '0' || q === '1' || q === '2' ? Number(q) : undefined
  const list =
    typeof value === 'string'
      ? value.split(',')
      : Array.isArray(value)
        ? value
        : typeof value === 'number'
          ? [value]
          : undefined
  const out = list?.map(one)
  return out?.every((q) => q !== undefined) ? (out as number[]) : undefined
}

function parseRetain(value: unknown): boolean | undefined | 'invalid' {
  if (value === undefined || value === null || value === 'all') return undefined
  if (value === true || value === 1 || value === '1' || value === 'true') return true
  if (value === false || value === 0 || value === '0' || value === 'false') return false
  return 'invalid'
}

function matchRule(rule: unknown, action: AclAction, subject: AclSubject): 'allow' | 'deny' | undefined {
  const r = parseRule(rule)
  // The emulation refuses a token with a malformed rule at CONNECT (see aclProblem); here it cannot match.
  if (typeof r === 'string') return undefined
  if (r.action !== 'all' && r.action !== action.type) return undefined
  if (!r.qos.includes(action.qos)) return undefined
  // `retain` constrains publishes only.
  if (r.retain !== undefined && action.type === 'publish' && r.retain !== (action.retain ?? false)) return undefined
  return r.topics.some((topic) => topicMatches(topic, action.topic, subject)) ? r.permission : undefined
}

/** A rule topic against the requested one: `eq ` means literal; otherwise placeholders, then MQTT matching. */
function topicMatches(ruleTopic: string, topic: string, subject: AclSubject): boolean {
  if (ruleTopic.startsWith('eq ')) return ruleTopic.slice(3) === topic
  const rendered = render(ruleTopic, subject)
  return rendered !== undefined && emqxTopicMatch(topic, rendered)
}

// A rule whose placeholder has no value (no user name given) cannot match anything.
function render(template: string, subject: AclSubject): string | undefined {
  let missing = false
  const out = template.replace(/\$\{(username|clientid)\}/g, (_, name: 'username' | 'clientid') => {
    const value = subject[name]
    if (value === undefined || value === '') missing = true
    return value ?? ''
  })
  return missing ? undefined : out
}
