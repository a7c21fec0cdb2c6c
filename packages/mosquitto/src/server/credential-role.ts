import type { DynsecAcl } from './dynsec-types.js'

const ALLOW = 10
const DENY = 0

/**
 * The ACL list of one credential's role: literal topics (Mosquitto 2.0.x does not expand `%u`/`%c` in
 * dynsec ACLs), then a lowest-priority deny of everything, so the role stays least-privilege even when the
 * broker's default access is more permissive.
 *
 * A subscribe filter `user/42/#` becomes a `subscribePattern`, which also admits narrower subscriptions
 * (`user/42/notifications`, `user/42/+`), plus the matching `publishClientReceive`/`unsubscribePattern`.
 */
export function credentialRoleAcls(subscribe: readonly string[], publish: readonly string[]): DynsecAcl[] {
  const acls: DynsecAcl[] = []
  for (const topic of new Set(subscribe)) {
    acls.push(
      { acltype: 'subscribePattern', topic, allow: true, priority: ALLOW },
      { acltype: 'publishClientReceive', topic, allow: true, priority: ALLOW },
      { acltype: 'unsubscribePattern', topic, allow: true, priority: ALLOW },
    )
  }
  for (const topic of new Set(publish)) acls.push({ acltype: 'publishClientSend', topic, allow: true, priority: ALLOW })
  acls.push(
    { acltype: 'subscribePattern', topic: '#', allow: false, priority: DENY },
    { acltype: 'publishClientReceive', topic: '#', allow: false, priority: DENY },
    { acltype: 'publishClientSend', topic: '#', allow: false, priority: DENY },
  )
  return acls
}
