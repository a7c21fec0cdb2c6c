import { TidingsError, assertTopicFilter } from '@tidings/core'

/** One rule of EMQX's (≥ 5.5) list-format ACL claim. Rules are checked in order; the first match wins. */
export interface EmqxAclRule {
  permission: 'allow' | 'deny'
  action: 'publish' | 'subscribe' | 'all'
  topic: string
}

/** EMQX's older map-format ACL claim (also EMQX 4.x): a whitelist, anything unlisted is denied. */
export interface EmqxAclMap {
  pub?: string[]
  sub?: string[]
  all?: string[]
}

/**
 * The rule that closes every list-format ACL. Without it an unmatched action falls through to the
 * broker's other authorizers and then `authorization.no_match`, which defaults to **allow**: a user
 * could read every other user's topics.
 */
export const DENY_ALL: Readonly<EmqxAclRule> = Object.freeze({ permission: 'deny', action: 'all', topic: '#' })

/** Which topics a token may use. */
export interface AclGrant {
  subscribe: readonly string[]
  publish: readonly string[]
}

/** Options of {@link buildAcl}. */
export interface BuildAclOptions {
  /** `'rules'`: the ≥ 5.5 list ending in deny-all; `'map'`: the `pub`/`sub` whitelist. @default 'rules' */
  format?: 'rules' | 'map'
  /** Allow filters that grant the whole tree (`#`, `+/#`). @default false */
  allowWholeTree?: boolean
}

/**
 * The ACL claim for a grant. The list format always ends with {@link DENY_ALL}. Topics may use EMQX's
 * `${username}`/`${clientid}` placeholders, and `eq ` for a literal match.
 */
export function buildAcl(grant: AclGrant, options: BuildAclOptions = {}): EmqxAclRule[] | EmqxAclMap {
  const subscribe = checkTopics(grant.subscribe, 'subscribe', options.allowWholeTree === true)
  const publish = checkTopics(grant.publish, 'publish', options.allowWholeTree === true)
  if (options.format === 'map') return { pub: publish, sub: subscribe }
  return [
    ...subscribe.map((topic): EmqxAclRule => ({ permission: 'allow', action: 'subscribe', topic })),
    ...publish.map((topic): EmqxAclRule => ({ permission: 'allow', action: 'publish', topic })),
    { ...DENY_ALL },
  ]
}

/** True for a filter every topic matches: only `+` levels, then `#`. */
export function grantsWholeTree(filter: string): boolean {
  const levels = filter.split('/')
  return levels.at(-1) === '#' && levels.slice(0, -1).every((level) => level === '+')
}

function checkTopics(topics: readonly string[], use: 'publish' | 'subscribe', allowWholeTree: boolean): string[] {
  if (!Array.isArray(topics))
    throw new TidingsError('INVALID_OPTIONS', `${use} must be an array of topic filters`, { adapter: 'emqx' })
  return topics.map((topic) => {
    const filter = typeof topic === 'string' && topic.startsWith('eq ') ? topic.slice(3) : topic
    assertTopicFilter(filter)
    if (!allowWholeTree && grantsWholeTree(filter)) {
      throw new TidingsError(
        'INVALID_TOPIC',
        `${use} filter ${JSON.stringify(topic)} grants the whole topic tree; pass allowWholeTree: true if that is really meant`,
        {
          adapter: 'emqx',
          topic,
        },
      )
    }
    return topic
  })
}
