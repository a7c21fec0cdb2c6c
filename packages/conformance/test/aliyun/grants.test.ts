import { webcrypto } from 'node:crypto'
import { assertClientId } from '@tidings/aliyun'
import { aliyunCredentialIssuer, createAliyunMqttApi, type AliyunMqttApi } from '@tidings/aliyun/server'
import { grant, type TidingsError } from '@tidings/core'
import { connectAsync, type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import { startLocalAliyunCloud, type LocalAliyunCloud } from '../../src/aliyun/index.js'

// What a hostile user id or grant can make of ApplyToken's comma-joined resource list, shown against the
// emulated broker and fake OpenAPI: first through the raw API (the attack works), then through the issuer
// (it is refused before anything is applied for).

let cloud: LocalAliyunCloud
let api: AliyunMqttApi
const opened: MqttClient[] = []
beforeAll(async () => {
  cloud = await startLocalAliyunCloud()
  api = createAliyunMqttApi({
    accessKeyId: cloud.accessKeyId,
    accessKeySecret: cloud.accessKeySecret,
    endpoint: cloud.openApi.endpoint,
    instanceId: cloud.instanceId,
    retryBaseMs: 5,
  })
})
afterAll(async () => {
  await Promise.all(opened.map((c) => c.endAsync(true).catch(() => {})))
  await cloud.close()
})
afterEach(() => {
  vi.restoreAllMocks()
})

/** Signs in with a Token-mode password, as a browser holding it would. */
async function tokenClient(clientId: string, password: string): Promise<MqttClient> {
  const client = await connectAsync(`mqtt://127.0.0.1:${cloud.broker.tcpPort}`, {
    clientId,
    username: `Token|${cloud.accessKeyId}|${cloud.instanceId}`,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 3000,
  })
  opened.push(client)
  return client
}

/** Subscribes to `filter`, sends `topic` from the cloud (SendMessage) and resolves with what arrived. */
async function overhear(client: MqttClient, filter: string, topic: string): Promise<string | undefined> {
  await client.subscribeAsync(filter, { qos: 1 })
  const received = new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 3000)
    client.once('message', (_topic, payload) => {
      clearTimeout(timer)
      resolve(payload.toString())
    })
  })
  await cloud.emulation.sendMessage(topic, 'for alice only')
  return received
}

const rejection = (promise: Promise<unknown>): Promise<TidingsError> =>
  promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: TidingsError) => error,
  )

describe('comma in a user id', () => {
  const template = 'notify/{userId}/#'
  const hostile = '!,notify'
  // What string interpolation makes of it: two resources, "notify/!" and "notify/#".
  const interpolated = `notify/${hostile}/#`

  test('at the raw API, the comma-joined resources grant notify/# and read another user', async () => {
    const raw = await api.request('ApplyToken', {
      Resources: interpolated,
      Actions: 'R',
      ExpireTime: Date.now() + 120_000,
    })
    const token = String(raw.Token)
    expect(cloud.emulation.registry.token(token)?.resources).toEqual(['notify/!', 'notify/#'])
    const mallory = await tokenClient('GID_web@@@mallory1', `R|${token}`)
    expect(await overhear(mallory, 'notify/#', 'notify/alice/inbox')).toBe('for alice only')
  })

  test('through the issuer: the user id is refused (INVALID_OPTIONS), the raw grant too (INVALID_TOPIC)', async () => {
    const issuer = aliyunCredentialIssuer(api, { groupId: 'GID_web' })
    const before = cloud.openApi.requests.length
    const byUser = await rejection(
      issuer.issue({ userId: hostile, subscribe: [`notify/${hostile}`], publish: [], ttlSeconds: 120 }),
    )
    expect(byUser.code).toBe('INVALID_OPTIONS')
    const byGrant = await rejection(
      issuer.issue({ userId: 'mallory', subscribe: [interpolated], publish: [], ttlSeconds: 120 }),
    )
    expect(byGrant.code).toBe('INVALID_TOPIC')
    // grant() refuses to build it in the first place.
    expect(() => grant(template, { userId: hostile })).toThrow(expect.objectContaining({ code: 'INVALID_TOPIC' }))
    // The typed API refuses it too; only the untyped request() above reaches the cloud with it.
    expect(
      (await rejection(api.applyToken({ resources: [interpolated], actions: 'R', expireTime: Date.now() + 120_000 })))
        .code,
    ).toBe('INVALID_TOPIC')
    expect(cloud.openApi.requests.length).toBe(before)
  })
})

describe('wildcards in a user id', () => {
  test('at the raw API, notify/+/# (user id "+") reads another user', async () => {
    const raw = await api.request('ApplyToken', {
      Resources: `notify/${'+'}/#`,
      Actions: 'R',
      ExpireTime: Date.now() + 120_000,
    })
    const mallory = await tokenClient('GID_web@@@mallory2', `R|${String(raw.Token)}`)
    expect(await overhear(mallory, 'notify/+/#', 'notify/alice/inbox')).toBe('for alice only')
  })

  test('through the issuer: user id "+" or "#" is refused, so is grant() with it', async () => {
    const issuer = aliyunCredentialIssuer(api, { groupId: 'GID_web' })
    const before = cloud.openApi.requests.length
    for (const userId of ['+', '#']) {
      const error = await rejection(
        issuer.issue({ userId, subscribe: [`notify/${userId}/#`], publish: [], ttlSeconds: 120 }),
      )
      expect(error.code).toBe('INVALID_OPTIONS')
      expect(() => grant('notify/{userId}/#', { userId })).toThrow(expect.objectContaining({ code: 'INVALID_TOPIC' }))
    }
    expect(cloud.openApi.requests.length).toBe(before)
  })

  test('all-wildcard, $ and malformed grants are refused; every resource meets Aliyun topic rules', async () => {
    const issuer = aliyunCredentialIssuer(api, { groupId: 'GID_web' })
    const before = cloud.openApi.requests.length
    const refusedGrants = [
      '#',
      '+/#',
      '+/+/+',
      '$SYS/uploadToken',
      '$SYS/#',
      '$share/g/notify/#',
      'notify/a#',
      'notify/#/x',
      'no',
      'notify/\u0000',
      `notify/${'x'.repeat(60)}`,
    ]
    for (const filter of refusedGrants) {
      for (const list of ['subscribe', 'publish'] as const) {
        const req = { userId: 'u1', subscribe: ['notify/u1'], publish: [] as string[], ttlSeconds: 120 }
        req[list] = list === 'subscribe' ? [filter] : ['notify/u1', filter]
        const error = await rejection(issuer.issue(req))
        expect([filter, error.code]).toEqual([filter, 'INVALID_TOPIC'])
      }
    }
    // The second resource is checked too, not only the first.
    const second = await rejection(
      issuer.issue({ userId: 'u1', subscribe: ['notify/u1', '+/secret'], publish: [], ttlSeconds: 120 }),
    )
    expect(second.code).toBe('INVALID_TOPIC')
    expect(cloud.openApi.requests.length).toBe(before)
  })
})

describe('token lifetimes', () => {
  const tolerance = 2000

  test('a 60 s request after a long one gets a token that expires within 60 s', async () => {
    const issuer = aliyunCredentialIssuer(api, { groupId: 'GID_web', maxTtlSeconds: 30 * 24 * 3600 })
    const req = { userId: 'ttl1', subscribe: ['notify/ttl1/#'], publish: [] as string[] }
    const long = await issuer.issue({ ...req, ttlSeconds: 30 * 24 * 3600 })
    const start = Date.now()
    const short = await issuer.issue({ ...req, ttlSeconds: 60 })
    expect(short.password).not.toBe(long.password)
    expect(short.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 60_000)
    expect(short.expiresAt.getTime()).toBeGreaterThanOrEqual(start + 60_000 - tolerance)
    // The token's real lifetime, as the cloud recorded it, not only what the issuer reports.
    const record = cloud.emulation.registry.token(short.password.split('|')[1]!)
    expect(record?.expireTime).toBeLessThanOrEqual(Date.now() + 60_000 + tolerance)
    // A second 60 s request may reuse that token: it expires no later than asked and has most of its life.
    const again = await issuer.issue({ ...req, ttlSeconds: 60 })
    expect(again.password).toBe(short.password)
  })

  test('a token with less than half the requested lifetime left is not reused', async () => {
    const issuer = aliyunCredentialIssuer(api, { groupId: 'GID_web' })
    const req = { userId: 'ttl2', subscribe: ['notify/ttl2/#'], publish: [] as string[] }
    const first = await issuer.issue({ ...req, ttlSeconds: 60 })
    const now = Date.now()
    vi.spyOn(Date, 'now').mockImplementation(() => now + 31_000)
    const later = await issuer.issue({ ...req, ttlSeconds: 60 })
    expect(later.password).not.toBe(first.password)
  })

  test('requests above maxTtlSeconds (default one day) or below 60 s are refused, never capped', async () => {
    const issuer = aliyunCredentialIssuer(api, { groupId: 'GID_web' })
    const before = cloud.openApi.requests.length
    const req = { userId: 'ttl3', subscribe: ['notify/ttl3/#'], publish: [] as string[] }
    for (const ttlSeconds of [10 * 365 * 24 * 3600, 24 * 3600 + 1, 59, 0, 1.5]) {
      expect((await rejection(issuer.issue({ ...req, ttlSeconds }))).code).toBe('INVALID_OPTIONS')
    }
    expect(cloud.openApi.requests.length).toBe(before)
    const day = await issuer.issue({ ...req, ttlSeconds: 24 * 3600 })
    expect(day.expiresAt.getTime()).toBeGreaterThan(Date.now() + 24 * 3600_000 - 5000)
    // The limit itself cannot exceed Aliyun's 30 days.
    for (const maxTtlSeconds of [30 * 24 * 3600 + 1, 10, Number.NaN]) {
      expect(() => aliyunCredentialIssuer(api, { maxTtlSeconds })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      )
    }
    // The raw API refuses an ExpireTime that Aliyun would silently shorten to 30 days.
    const tenYears = Date.now() + 10 * 365 * 24 * 3600_000
    expect(
      (await rejection(api.applyToken({ resources: ['notify/ttl3'], actions: 'R', expireTime: tenYears }))).code,
    ).toBe('INVALID_OPTIONS')
  })
})

describe('generated client ids', () => {
  test('come from crypto.getRandomValues and meet Aliyun client id rules', async () => {
    // Math.random frozen: ids drawn from it would all end alike. (pop-core's nonces still use it.)
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const secure = vi.spyOn(webcrypto, 'getRandomValues')
    const issuer = aliyunCredentialIssuer(api, { groupId: 'GID_web' })
    const ids = new Set<string>()
    for (const userId of ['ann@example.com', 'ünïcode', 'x'.repeat(128), 'a.b-c_d']) {
      const { clientId } = await issuer.issue({ userId, subscribe: ['notify/ids'], publish: [], ttlSeconds: 120 })
      expect(() => assertClientId(clientId)).not.toThrow()
      expect(clientId.length).toBeLessThanOrEqual(64)
      expect(clientId).toMatch(/^GID_web@@@([A-Za-z0-9_-]+_)?[0-9a-v]{12}$/)
      ids.add(clientId)
    }
    expect(ids.size).toBe(4)
    expect(new Set([...ids].map((id) => id.slice(-12))).size).toBe(4)
    expect(secure).toHaveBeenCalledTimes(4)
  })

  test('the random part is exactly what getRandomValues gave', async () => {
    vi.spyOn(webcrypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      if (array) new Uint8Array(array.buffer, array.byteOffset, array.byteLength).fill(31)
      return array
    })
    const issuer = aliyunCredentialIssuer(api, { groupId: 'GID_web' })
    const { clientId } = await issuer.issue({ userId: 'ann', subscribe: ['notify/ids'], publish: [], ttlSeconds: 120 })
    expect(clientId).toBe('GID_web@@@ann_vvvvvvvvvvvv')
  })

  test('a group id too long to leave room for a device id is refused up front', () => {
    expect(() => aliyunCredentialIssuer(api, { groupId: `GID_${'g'.repeat(46)}` })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    )
    expect(() => aliyunCredentialIssuer(api, { groupId: `GID_${'g'.repeat(45)}` })).not.toThrow()
  })
})
