import { TidingsError } from '@tidings/core'

/** Profile name used in errors. */
export const BROKER_NAME = 'aliyun'

/** Aliyun limits that the profile enforces client-side (and the emulator server-side). */
export const ALIYUN_LIMITS = {
  /** Longest client id (`GID_…@@@…`). */
  maxClientIdLength: 64,
  minGroupIdLength: 7,
  maxGroupIdLength: 64,
  /** Longest topic, parent topic included. */
  maxTopicLength: 64,
  maxSubscriptions: 30,
  /**
   * Aliyun's documented message body limit, 64 KB ("使用限制": a larger payload is discarded, not refused;
   * the MQTT 5 overview adds a 128 KB packet cap).
   */
  maxPayloadBytes: 64 * 1024,
} as const

const NAME_CHARS = /^[A-Za-z0-9_-]+$/

/**
 * Checks a client id against Aliyun's rules: `<GroupId>@@@<DeviceId>`, a group id of 7–64 characters
 * starting with `GID_` or `GID-`, letters, digits, `-` and `_` only, 64 characters in all.
 * Throws TidingsError('INVALID_CLIENT_ID').
 */
export function assertClientId(clientId: string): void {
  const fail = (why: string): never => {
    throw new TidingsError('INVALID_CLIENT_ID', `client id ${JSON.stringify(clientId)} ${why}`, {
      adapter: BROKER_NAME,
    })
  }
  if (typeof clientId !== 'string') return fail('must be a string')
  const parts = clientId.split('@@@')
  if (parts.length !== 2) return fail('must be <GroupId>@@@<DeviceId> with exactly one "@@@"')
  const [groupId, deviceId] = parts as [string, string]
  assertGroupId(groupId, fail)
  if (deviceId.length === 0) return fail('has an empty device id')
  if (!NAME_CHARS.test(deviceId)) return fail('has a device id with characters other than letters, digits, "-" and "_"')
  if (clientId.length > ALIYUN_LIMITS.maxClientIdLength)
    return fail(`is ${clientId.length} characters long; Aliyun allows ${ALIYUN_LIMITS.maxClientIdLength}`)
}

/** Checks a group id (`GID_…`); throws TidingsError('INVALID_CLIENT_ID'). */
export function assertGroupId(groupId: string, fail?: (why: string) => never): void {
  const report =
    fail ??
    ((why: string): never => {
      throw new TidingsError('INVALID_CLIENT_ID', `group id ${JSON.stringify(groupId)} ${why}`, {
        adapter: BROKER_NAME,
      })
    })
  if (!/^GID[_-]/.test(groupId)) return report('must start with "GID_" or "GID-"')
  if (groupId.length < ALIYUN_LIMITS.minGroupIdLength || groupId.length > ALIYUN_LIMITS.maxGroupIdLength) {
    return report(
      `must have a group id of ${ALIYUN_LIMITS.minGroupIdLength}–${ALIYUN_LIMITS.maxGroupIdLength} characters`,
    )
  }
  if (!NAME_CHARS.test(groupId)) return report('has a group id with characters other than letters, digits, "-" and "_"')
}

/**
 * The topic another client receives point-to-point messages on, without subscribing:
 * `<parentTopic>/p2p/<clientId>`.
 *
 * @example
 * ```ts
 * p2pTopic('orders', 'GID_shop@@@till-7') // 'orders/p2p/GID_shop@@@till-7'
 * ```
 */
export function p2pTopic(parentTopic: string, clientId: string): string {
  assertParentTopic(parentTopic)
  assertClientId(clientId)
  const name = `${parentTopic}/p2p/${clientId}`
  if (name.length > ALIYUN_LIMITS.maxTopicLength) {
    throw new TidingsError(
      'INVALID_TOPIC',
      `P2P topic ${name} is longer than ${ALIYUN_LIMITS.maxTopicLength} characters`,
      { adapter: BROKER_NAME, topic: name },
    )
  }
  return name
}

/** Checks a parent topic (the first level, created in the console); throws TidingsError('INVALID_TOPIC'). */
export function assertParentTopic(parent: string): void {
  if (typeof parent !== 'string' || !NAME_CHARS.test(parent)) {
    throw new TidingsError(
      'INVALID_TOPIC',
      `parent topic ${JSON.stringify(parent)} must be letters, digits, "-" and "_" (no "/", "+", "#" or "$")`,
      { adapter: BROKER_NAME },
    )
  }
}

// The broker pushes these unasked; the profile listens for them without subscribing.
const SYSTEM_TOPICS = new Set(['$SYS/tokenExpireNotice', '$SYS/tokenInvalidNotice'])

/**
 * Aliyun topic rules: the first level is a parent topic (no wildcard, no `$`), at most 64 characters in
 * all. `$share/…`, `$queue/…` and other `$` topics do not exist there. Throws TidingsError('INVALID_TOPIC').
 */
export function validateAliyunTopic(topicName: string, use: 'publish' | 'subscribe'): void {
  if (use === 'subscribe' && SYSTEM_TOPICS.has(topicName)) return
  const fail = (why: string): never => {
    throw new TidingsError(
      'INVALID_TOPIC',
      `${use === 'publish' ? 'topic' : 'filter'} ${JSON.stringify(topicName)} ${why}`,
      { adapter: BROKER_NAME, topic: topicName },
    )
  }
  if (topicName.startsWith('$')) fail('is a $-topic; Aliyun has no $share, $queue or other system topics for apps')
  if (topicName.length > ALIYUN_LIMITS.maxTopicLength)
    fail(`is ${topicName.length} characters long; Aliyun allows ${ALIYUN_LIMITS.maxTopicLength}`)
  const parent = topicName.split('/')[0] ?? ''
  if (!NAME_CHARS.test(parent)) fail('must start with a parent topic made of letters, digits, "-" and "_"')
}
