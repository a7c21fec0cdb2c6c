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

function matchRule(rule: unknown, action: AclAction, subject: AclSubject): 'allow' | 'deny' | undefined {
  if (typeof rule !== 'object' || rule === null) return undefined
  const r = rule as {
    permission?: unknown
    action?: unknown
    topic?: unknown
    topics?: unknown
    qos?: unknown
    retain?: unknown
  }
  if (r.permission !== 'allow' && r.permission !== 'deny') return undefined
  if (r.action !== 'all' && r.action !== action.type) return undefined
  if (Array.isArray(r.qos) && !r.qos.includes(action.qos)) return undefined
  // `retain` constrains publishes only.
  if (typeof r.retain === 'boolean' && action.type === 'publish' && r.retain !== (action.retain ?? false))
    return undefined
  const topics = Array.isArray(r.topics) ? r.topics : [r.topic]
  return topics.some((topic) => typeof topic === 'string' && topicMatches(topic, action.topic, subject))
    ? r.permission
    : undefined
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
