import type { CredentialsContext, TidingsError } from '@tidings/core'
import {
  ALIYUN_PORTS,
  aliyun,
  assertClientId,
  p2pTopic,
  presignedAuth,
  tokenAuth,
  validateAliyunTopic,
} from '@tidings/aliyun'
import { describe, expect, test } from 'vitest'

const credentials = presignedAuth({ fetchCredentials: () => ({ username: 'u', password: 'p' }) })
const base = { instanceId: 'mqtt-cn-0pp1ldu7k0r', groupId: 'GID_web', deviceId: 'tab1', credentials }

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return (error as TidingsError).code
  }
  return undefined
}

describe('aliyun profile', () => {
  test('endpoints: instance host, ports 1883/8883/80/443, ws path always /mqtt', () => {
    const p = aliyun(base)
    const secure = aliyun({ ...base, tls: true })
    expect(p.endpoint('mqtt')).toEqual({ host: 'mqtt-cn-0pp1ldu7k0r.mqtt.aliyuncs.com', port: 1883 })
    expect(secure.endpoint('mqtts')).toEqual({ host: 'mqtt-cn-0pp1ldu7k0r.mqtt.aliyuncs.com', port: 8883 })
    expect(p.endpoint('ws')).toEqual({ host: 'mqtt-cn-0pp1ldu7k0r.mqtt.aliyuncs.com', port: 80, path: '/mqtt' })
    expect(secure.endpoint('wss')).toEqual({ host: 'mqtt-cn-0pp1ldu7k0r.mqtt.aliyuncs.com', port: 443, path: '/mqtt' })
    expect(aliyun({ ...base, vpc: true }).endpoint('mqtt').host).toBe(
      'mqtt-cn-0pp1ldu7k0r-internal-vpc.mqtt.aliyuncs.com',
    )
    expect(ALIYUN_PORTS).toEqual({ mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 })
    // The profile alone decides plain or TLS.
    expect(codeOf(() => secure.endpoint('ws'))).toBe('UNSUPPORTED')
    expect(codeOf(() => p.endpoint('wss'))).toBe('UNSUPPORTED')
  })

  test('capabilities: MQTT 3.1.1, no retain, no will, no shared subscriptions, 30 subscriptions, 64 KB', () => {
    const p = aliyun(base)
    expect(p.capabilities).toMatchObject({
      mqtt5: false,
      qos2: true,
      retain: false,
      will: false,
      sharedSubscriptions: false,
      maxSubscriptions: 30,
      maxPayloadBytes: 65536,
      maxTopicLength: 64,
    })
    expect(aliyun({ ...base, persistentSession: true }).capabilities.qos2).toBe(false)
  })

  test('client id GID_xxx@@@deviceId is passed on connect', async () => {
    const p = aliyun(base)
    expect(p.clientId).toBe('GID_web@@@tab1')
    expect(await p.connectOptions({ attempt: 0 })).toEqual({ clientId: 'GID_web@@@tab1', username: 'u', password: 'p' })
  })

  test.each([
    ['group without GID_ prefix', { groupId: 'web_grp' }],
    ['group too short', { groupId: 'GID_ab' }],
    ['group with a dot', { groupId: 'GID_we.b' }],
    ['device with a slash', { deviceId: 'a/b' }],
    ['device with @', { deviceId: 'a@b' }],
    ['empty device', { deviceId: '' }],
    ['client id over 64 characters', { deviceId: 'd'.repeat(60) }],
  ])('refuses %s with INVALID_CLIENT_ID', (_why, override) => {
    expect(codeOf(() => aliyun({ ...base, ...override }))).toBe('INVALID_CLIENT_ID')
  })

  test('client id edge cases', () => {
    expect(codeOf(() => assertClientId('GID-abc@@@x'))).toBeUndefined()
    expect(codeOf(() => assertClientId(`GID_abc@@@${'x'.repeat(64 - 10)}`))).toBeUndefined()
    expect(codeOf(() => assertClientId(`GID_abc@@@${'x'.repeat(64 - 9)}`))).toBe('INVALID_CLIENT_ID')
    expect(codeOf(() => assertClientId('GID_abc@@@x@@@y'))).toBe('INVALID_CLIENT_ID')
  })

  test('refuses bad options', () => {
    expect(codeOf(() => aliyun({ ...base, instanceId: 'mqtt cn' }))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => aliyun({ ...base, region: 'Hangzhou' }))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => aliyun({ ...base, credentials: undefined as never }))).toBe('INVALID_OPTIONS')
    // The option is `credentials` on every profile; the old name is not read.
    expect(codeOf(() => aliyun({ ...base, credentials: undefined as never, auth: credentials } as never))).toBe(
      'INVALID_OPTIONS',
    )
    expect(codeOf(() => aliyun({ ...base, p2p: ['a/b'] }))).toBe('INVALID_TOPIC')
  })

  test('topic rules', () => {
    expect(codeOf(() => validateAliyunTopic('orders/42', 'publish'))).toBeUndefined()
    expect(codeOf(() => validateAliyunTopic('orders/+/x', 'subscribe'))).toBeUndefined()
    expect(codeOf(() => validateAliyunTopic('$SYS/tokenExpireNotice', 'subscribe'))).toBeUndefined()
    expect(codeOf(() => validateAliyunTopic('$SYS/tokenExpireNotice', 'publish'))).toBe('INVALID_TOPIC')
    expect(codeOf(() => validateAliyunTopic('$share/g/orders', 'subscribe'))).toBe('INVALID_TOPIC')
    expect(codeOf(() => validateAliyunTopic('#', 'subscribe'))).toBe('INVALID_TOPIC')
    expect(codeOf(() => validateAliyunTopic('+/x', 'subscribe'))).toBe('INVALID_TOPIC')
    expect(codeOf(() => validateAliyunTopic(`t/${'x'.repeat(63)}`, 'publish'))).toBe('INVALID_TOPIC')
    expect(codeOf(() => validateAliyunTopic(`t/${'x'.repeat(62)}`, 'publish'))).toBeUndefined()
  })

  test('p2pTopic', () => {
    expect(p2pTopic('orders', 'GID_shop@@@till-7')).toBe('orders/p2p/GID_shop@@@till-7')
    expect(codeOf(() => p2pTopic('orders', 'till-7'))).toBe('INVALID_CLIENT_ID')
    expect(codeOf(() => p2pTopic('or/ders', 'GID_shop@@@till-7'))).toBe('INVALID_TOPIC')
    expect(codeOf(() => p2pTopic('x'.repeat(50), 'GID_shop@@@till-7'))).toBe('INVALID_TOPIC')
  })

  test('a token profile asks for fresh credentials after a refusal', () => {
    const t = aliyun({
      ...base,
      credentials: tokenAuth({
        accessKeyId: 'LTAI',
        fetchToken: () => ({ password: 'R|x', expiresAt: Date.now() + 60_000 }),
      }),
    })
    expect(t.refreshesCredentials).toBe(true)
  })

  test('fetchToken and fetchCredentials get the shared context: attempt, clientId, reason, instanceId', async () => {
    const seen: CredentialsContext[] = []
    const token = aliyun({
      ...base,
      credentials: tokenAuth({
        accessKeyId: 'LTAI',
        fetchToken: (ctx) => {
          seen.push(ctx)
          return { password: `R|t${seen.length}`, expiresAt: Date.now() + 3_600_000 }
        },
      }),
    })
    await token.connectOptions({ attempt: 0 })
    // A valid token is reused on reconnect; a refusal fetches a new one.
    await token.connectOptions({ attempt: 1 })
    await token.connectOptions({ attempt: 2, previousError: { code: 'NOT_AUTHORIZED' } })
    const common = { clientId: 'GID_web@@@tab1', instanceId: 'mqtt-cn-0pp1ldu7k0r' }
    expect(seen).toEqual([
      { ...common, attempt: 0, reason: 'connect' },
      { ...common, attempt: 2, reason: 'rejected', previousError: { code: 'NOT_AUTHORIZED' } },
    ])

    const asked: CredentialsContext[] = []
    const presigned = aliyun({
      ...base,
      credentials: presignedAuth({
        fetchCredentials: (ctx) => {
          asked.push(ctx)
          return { username: 'u', password: 'p' }
        },
      }),
    })
    await presigned.connectOptions({ attempt: 3 })
    expect(asked).toEqual([{ ...common, attempt: 3, reason: 'reconnect' }])
  })
})
