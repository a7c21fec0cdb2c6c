import RPCClient from '@alicloud/pop-core'
import { aliyunCredentialIssuer, aliyunServerPublisher, createAliyunMqttApi } from '@tidings/aliyun/server'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  startFakeAliyunOpenApi,
  startLocalAliyunCloud,
  type FakeAliyunOpenApi,
  type LocalAliyunCloud,
} from '../../src/aliyun/index.js'
import { aliyunEmulation } from '@tidings/devbroker/aliyun'
import type { TidingsError } from '@tidings/core'

// Request vectors produced by @alicloud/pop-core 1.8.0 (AccessKey testid / testsecret, fixed Timestamp and nonce).
const FIXED = { Timestamp: '2024-01-01T00:00:00Z', SignatureNonce: 'nonce-0001' }
const APPLY_STS =
  'POST&%2F&AccessKeyId%3Dtestid%26Action%3DApplyToken%26Actions%3DR%252CW%26ExpireTime%3D1704067260000%26Format%3DJSON%26InstanceId%3Dmqtt-cn-test%26Resources%3DTopicA%252F%252B%252CTopicB%252F%2523%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dnonce-0001%26SignatureVersion%3D1.0%26Timestamp%3D2024-01-01T00%253A00%253A00Z%26Version%3D2020-04-20'
const APPLY_BODY =
  'AccessKeyId=testid&Action=ApplyToken&Actions=R%2CW&ExpireTime=1704067260000&Format=JSON&InstanceId=mqtt-cn-test&Resources=TopicA%2F%2B%2CTopicB%2F%23&SignatureMethod=HMAC-SHA1&SignatureNonce=nonce-0001&SignatureVersion=1.0&Timestamp=2024-01-01T00%3A00%3A00Z&Version=2020-04-20&Signature=E1ZDEhy5Y3P7VXhhZBvbyt3%2FA9c%3D'

describe('fake OpenAPI verifies pop-core signatures (vectors)', () => {
  let fake: FakeAliyunOpenApi
  const rpc = (secret = 'testsecret') =>
    new RPCClient({ accessKeyId: 'testid', accessKeySecret: secret, endpoint: fake.endpoint, apiVersion: '2020-04-20' })
  beforeAll(async () => {
    const emulation = aliyunEmulation({ instanceId: 'mqtt-cn-test', accessKeys: { testid: 'testsecret' } })
    // The vectors are dated 2024-01-01; the fake's clock stands there.
    fake = await startFakeAliyunOpenApi({
      emulation,
      accessKeys: { testid: 'testsecret' },
      now: () => Date.parse('2024-01-01T00:00:00Z'),
    })
  })
  afterAll(() => fake.close())

  test('ApplyToken: string to sign, body and signature match the vector; the token comes back', async () => {
    const params = {
      InstanceId: 'mqtt-cn-test',
      Resources: 'TopicA/+,TopicB/#',
      Actions: 'R,W',
      ExpireTime: 1704067260000,
      ...FIXED,
    }
    const result = await rpc().request<{ Token: string }>('ApplyToken', params, { method: 'POST' })
    expect(result.Token).toBeTruthy()
    const seen = fake.requests.at(-1)!
    expect(seen.method).toBe('POST')
    expect(seen.stringToSign).toBe(APPLY_STS)
    expect(seen.body).toBe(APPLY_BODY)
    expect(seen.params.Signature).toBe('E1ZDEhy5Y3P7VXhhZBvbyt3/A9c=')
  })

  test('BatchQuerySessionByClientIds: flattened list, signature vector', async () => {
    await rpc()
      .request(
        'BatchQuerySessionByClientIds',
        {
          InstanceId: 'mqtt-cn-test',
          ClientIdList: ['GID_a@@@1', 'GID_a@@@2'],
          ...FIXED,
          SignatureNonce: 'nonce-0002',
        },
        { method: 'POST' },
      )
      .catch(() => {})
    const seen = fake.requests.at(-1)!
    expect(seen.body).toContain('ClientIdList.1=GID_a%40%40%401&ClientIdList.2=GID_a%40%40%402')
    // Same fixed params as the vector except the nonce, so recompute with the vector nonce to compare.
    const vectorParams = { ...seen.params, SignatureNonce: 'nonce-0001' }
    const { popSignature, popStringToSign } = await import('../../src/aliyun/index.js')
    expect(popSignature('testsecret', popStringToSign('POST', vectorParams))).toBe('RAnrhI09vDxCU2nowihNhCOjZKE=')
  })

  test('SendMessage with lowercase "post": params in the URL, "undefined" signed as a string (vector)', async () => {
    const params = {
      InstanceId: 'mqtt-cn-test',
      MqttTopic: 'TopicA/p2p/GID_a@@@1',
      Payload: 'aGVsbG8=',
      Extra: undefined,
      ...FIXED,
      SignatureNonce: 'nonce-0001',
    }
    await rpc()
      .request('SendMessage', params, { method: 'post' })
      .catch(() => {})
    const seen = fake.requests.at(-1)!
    expect(seen.query).toContain('Extra=undefined')
    expect(seen.body).toBe('')
    expect(seen.params.Signature).toBe('MoQ0nvqAVUQcOU5ZHgPqnaVFaIs=')
  })

  test('rejects a wrong secret, a reused nonce and a stale timestamp with POP errors', async () => {
    const base = { InstanceId: 'mqtt-cn-test', Token: 'x', Timestamp: FIXED.Timestamp }
    await expect(
      rpc('wrongsecret').request('QueryToken', { ...base, SignatureNonce: 'n-bad' }, { method: 'POST' }),
    ).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' })
    await rpc().request('QueryToken', { ...base, SignatureNonce: 'n-once' }, { method: 'POST' })
    await expect(
      rpc().request('QueryToken', { ...base, SignatureNonce: 'n-once' }, { method: 'POST' }),
    ).rejects.toMatchObject({ code: 'SignatureNonceUsed' })
    await expect(
      rpc().request(
        'QueryToken',
        { ...base, SignatureNonce: 'n-old', Timestamp: '2023-12-31T23:40:00Z' },
        { method: 'POST' },
      ),
    ).rejects.toMatchObject({ code: 'InvalidTimeStamp.Expired' })
    await expect(
      new RPCClient({
        accessKeyId: 'nobody',
        accessKeySecret: 's',
        endpoint: fake.endpoint,
        apiVersion: '2020-04-20',
      }).request('QueryToken', { ...base, SignatureNonce: 'n-x' }, { method: 'POST' }),
    ).rejects.toMatchObject({ code: 'InvalidAccessKeyId.NotFound' })
  })
})

describe('fake OpenAPI ApplyToken is no kinder than Aliyun', () => {
  let cloud: LocalAliyunCloud
  beforeAll(async () => {
    cloud = await startLocalAliyunCloud()
  })
  afterAll(() => cloud.close())

  test('every resource of the comma-separated list is checked against Aliyun topic rules', async () => {
    const api = createAliyunMqttApi({
      accessKeyId: cloud.accessKeyId,
      accessKeySecret: cloud.accessKeySecret,
      endpoint: cloud.openApi.endpoint,
      instanceId: cloud.instanceId,
    })
    const apply = (Resources: string) =>
      api.request('ApplyToken', { Resources, Actions: 'R', ExpireTime: Date.now() + 120_000 })
    // Accepted: the comma splits one string into two valid resources, as on Aliyun.
    expect(await apply('notify/!,notify/#')).toMatchObject({ Token: expect.any(String) })
    for (const resources of [
      '#',
      '+/#',
      '$SYS/#',
      'nope/x',
      'notify/a,nope/#',
      'notify/a,,orders/b',
      'notify/a#',
      'notify/#/x',
      'ab',
      `notify/${'x'.repeat(60)}`,
    ]) {
      const error = await apply(resources).catch((e: TidingsError) => e)
      expect([resources, (error as TidingsError).code]).toEqual([resources, 'INVALID_OPTIONS'])
    }
    expect(cloud.openApi.requests.at(-1)!.params.Resources).toBe(`notify/${'x'.repeat(60)}`)
  })
})

describe('createAliyunMqttApi', () => {
  let cloud: LocalAliyunCloud
  const api = (extra: Record<string, unknown> = {}) =>
    createAliyunMqttApi({
      accessKeyId: cloud.accessKeyId,
      accessKeySecret: cloud.accessKeySecret,
      endpoint: cloud.openApi.endpoint,
      instanceId: cloud.instanceId,
      retryBaseMs: 5,
      ...extra,
    })
  beforeAll(async () => {
    cloud = await startLocalAliyunCloud()
  })
  afterAll(() => cloud.close())

  test('always POSTs with params in the body, strips undefined, returns plain objects', async () => {
    const body = await api().request('SendMessage', { MqttTopic: 'notify/x', Payload: 'hi', Extra: undefined })
    const seen = cloud.openApi.requests.at(-1)!
    expect(seen.method).toBe('POST')
    expect(seen.query).toBe('')
    expect(seen.params).not.toHaveProperty('Extra')
    expect(seen.params.InstanceId).toBe(cloud.instanceId)
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype)
    expect(body).toEqual({ RequestId: expect.any(String), MsgId: expect.any(String) })
  })

  test('tokens: sorted resources, absolute expiry, query and revoke', async () => {
    const expireTime = Date.now() + 120_000
    const { token } = await api().applyToken({
      resources: ['orders/b', 'notify/a/#', 'orders/b'],
      actions: 'R',
      expireTime,
    })
    const seen = cloud.openApi.requests.at(-1)!.params
    expect(seen.Resources).toBe('notify/a/#,orders/b')
    expect(seen.ExpireTime).toBe(String(expireTime))
    expect(cloud.emulation.registry.token(token)?.actions).toBe('R')
    expect(await api().queryToken(token)).toEqual({ valid: true })
    await api().revokeToken(token)
    expect(await api().queryToken(token)).toEqual({ valid: false })
    await expect(api().applyToken({ resources: [], actions: 'R', expireTime })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    })
  })

  test('device credentials: register, get, refresh, unregister', async () => {
    const created = await api().registerDeviceCredential('GID_locks@@@lock1')
    expect(created).toMatchObject({
      clientId: 'GID_locks@@@lock1',
      instanceId: cloud.instanceId,
      deviceAccessKeyId: expect.stringMatching(/^DC\./),
    })
    expect(created.createTime).toBeInstanceOf(Date)
    expect(await api().getDeviceCredential('GID_locks@@@lock1')).toEqual(created)
    const refreshed = await api().refreshDeviceCredential('GID_locks@@@lock1')
    expect(refreshed.deviceAccessKeySecret).not.toBe(created.deviceAccessKeySecret)
    await api().unregisterDeviceCredential('GID_locks@@@lock1')
    await expect(api().getDeviceCredential('GID_locks@@@lock1')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  test('batchQuerySessions asks 10 at a time', async () => {
    const before = cloud.openApi.requests.length
    const ids = Array.from({ length: 23 }, (_, i) => `GID_web@@@d${i}`)
    const result = await api().batchQuerySessions(ids)
    expect(result.map((r) => r.clientId)).toEqual(ids)
    expect(result.every((r) => r.online === false)).toBe(true)
    const calls = cloud.openApi.requests.slice(before)
    expect(calls.map((c) => Object.keys(c.params).filter((k) => k.startsWith('ClientIdList.')).length)).toEqual([
      10, 10, 3,
    ])
  })

  test('throttling is retried with backoff; parameter errors are not', async () => {
    cloud.openApi.failNext({ code: 'Throttling.User', status: 400, times: 2 })
    const before = cloud.openApi.requests.length
    expect(await api().querySession('GID_web@@@nobody')).toEqual({ online: false })
    expect(cloud.openApi.requests.length - before).toBe(3)

    cloud.openApi.failNext({ code: 'Throttling.User', status: 400, times: 5 })
    await expect(api({ retries: 1 }).querySession('GID_web@@@x')).rejects.toMatchObject({ code: 'THROTTLED' })
    // Three scripted failures remain: three retries outlast them.
    await api({ retries: 3 }).querySession('GID_web@@@x')

    const mark = cloud.openApi.requests.length
    await expect(api().request('SendMessage', { MqttTopic: 'nope/x', Payload: 'p' })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    })
    expect(cloud.openApi.requests.length - mark).toBe(1)
  })

  test('maps auth failures, timeouts, unknown actions and non-JSON bodies', async () => {
    await expect(
      createAliyunMqttApi({
        accessKeyId: cloud.accessKeyId,
        accessKeySecret: 'wrong',
        endpoint: cloud.openApi.endpoint,
        instanceId: cloud.instanceId,
      }).querySession('GID_web@@@a'),
    ).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' })
    await expect(api().request('NoSuchAction')).rejects.toMatchObject({ code: 'UNSUPPORTED' })
    cloud.openApi.failNext({ delayMs: 600, code: 'InternalError' })
    await expect(api({ timeoutMs: 200, retries: 0 }).querySession('GID_web@@@a')).rejects.toMatchObject({
      code: 'TIMEOUT',
    })
    await new Promise((r) => setTimeout(r, 500)) // let the delayed response of the timeout test finish
    cloud.openApi.failNext({ raw: '<html>bad gateway</html>', status: 502, times: 2 })
    const failure = await api({ retries: 1 })
      .querySession('GID_web@@@a')
      .catch((e: unknown) => e)
    expect(failure).toMatchObject({ code: 'API_UNAVAILABLE' })
  })
})

describe('aliyunCredentialIssuer and aliyunServerPublisher', () => {
  let cloud: LocalAliyunCloud
  beforeAll(async () => {
    cloud = await startLocalAliyunCloud()
  })
  afterAll(() => cloud.close())
  const api = () =>
    createAliyunMqttApi({
      accessKeyId: cloud.accessKeyId,
      accessKeySecret: cloud.accessKeySecret,
      endpoint: cloud.openApi.endpoint,
      instanceId: cloud.instanceId,
    })

  test('R and W tokens, sorted resources, exact expiry, cached per resource set', async () => {
    const issuer = aliyunCredentialIssuer(api(), { groupId: 'GID_web', maxTtlSeconds: 30 * 24 * 3600 })
    const before = cloud.openApi.requests.length
    const start = Date.now()
    const a = await issuer.issue({
      userId: 'ann@example.com',
      subscribe: ['notify/ann/#', 'notify/all'],
      publish: ['orders/ann'],
      ttlSeconds: 120,
    })
    expect(a.clientId).toMatch(/^GID_web@@@ann_example_com_[0-9a-v]{12}$/)
    expect(a.username).toBe(`Token|${cloud.accessKeyId}|${cloud.instanceId}`)
    expect(a.password).toMatch(/^R\|[^|]+\|W\|[^|]+$/)
    expect(a.expiresAt.getTime()).toBeGreaterThanOrEqual(start + 120_000)
    expect(a.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 120_000)
    const applied = cloud.openApi.requests.slice(before).map((r) => [r.params.Actions, r.params.Resources])
    expect(applied.sort()).toEqual([
      ['R', 'notify/all,notify/ann/#'],
      ['W', 'orders/ann'],
    ])

    const again = await issuer.issue({
      userId: 'ann@example.com',
      subscribe: ['notify/all', 'notify/ann/#'],
      publish: ['orders/ann'],
      ttlSeconds: 120,
    })
    expect(again.password).toBe(a.password)
    expect(cloud.openApi.requests.length - before).toBe(2)

    const long = await issuer.issue({
      userId: 'bob',
      clientId: 'GID_web@@@bob',
      subscribe: ['notify/bob'],
      publish: ['notify/bob'],
      ttlSeconds: 30 * 24 * 3600,
    })
    expect(long.password).toMatch(/^RW\|/)
    expect(long.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 30 * 24 * 3600_000)
    expect(long.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600_000)
    await expect(
      issuer.issue({
        userId: 'bob',
        subscribe: ['notify/bob'],
        publish: ['notify/bob'],
        ttlSeconds: 90 * 24 * 3600,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })

    await expect(
      issuer.issue({ userId: 'x', clientId: 'bad', subscribe: ['notify/x'], publish: [], ttlSeconds: 60 }),
    ).rejects.toMatchObject({ code: 'INVALID_CLIENT_ID' })
    await expect(
      aliyunCredentialIssuer(api()).issue({ userId: 'x', subscribe: ['notify/x'], publish: [], ttlSeconds: 60 }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })

    // Revoking forgets the cached token: the next issue applies for a new one (it would reuse it otherwise).
    const bob = {
      userId: 'bob',
      clientId: 'GID_web@@@bob',
      subscribe: ['notify/bob'],
      publish: ['notify/bob'],
      ttlSeconds: 30 * 24 * 3600,
    }
    expect((await issuer.issue(bob)).password).toBe(long.password)
    await issuer.revoke(long.password)
    const fresh = await issuer.issue(bob)
    expect(fresh.password).not.toBe(long.password)
  })

  test('publisher sends text, refuses retain and non-UTF-8 bytes', async () => {
    const publisher = aliyunServerPublisher(api())
    expect((await publisher.publish('notify/x', 'hello')).id).toMatch(/^[0-9A-F]{32}$/)
    expect(cloud.openApi.requests.at(-1)!.params).toMatchObject({
      Action: 'SendMessage',
      MqttTopic: 'notify/x',
      Payload: 'hello',
    })
    await expect(publisher.publish('notify/x', 'r', { retain: true })).rejects.toMatchObject({ code: 'UNSUPPORTED' })
    await expect(publisher.publish('notify/x', Uint8Array.of(0xff, 0xfe))).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
    })
    await expect(publisher.publish('$SYS/x', 'r')).rejects.toMatchObject({ code: 'INVALID_TOPIC' })
  })
})
