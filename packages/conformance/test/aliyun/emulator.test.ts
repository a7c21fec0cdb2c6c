import { aliyun, deviceCredentialAuth } from '@tidings/aliyun'
import { createAliyunMqttApi, signatureCredentials } from '@tidings/aliyun/server'
import { createClient } from '@tidings/core'
import { tcp } from '@tidings/transport-node'
import { connectAsync, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLocalAliyunCloud, type LocalAliyunCloud } from '../../src/aliyun/index.js'

// The emulator checked with a plain MQTT.js client, so rules the adapter enforces client-side are
// proven to be enforced by the (emulated) broker too.
let cloud: LocalAliyunCloud
const opened: MqttClient[] = []
beforeAll(async () => {
  cloud = await startLocalAliyunCloud()
})
afterAll(async () => {
  await Promise.all(opened.map((c) => c.endAsync(true).catch(() => {})))
  await cloud.close()
})

function sig(clientId: string, secret = cloud.accessKeySecret) {
  return signatureCredentials({
    accessKeyId: cloud.accessKeyId,
    accessKeySecret: secret,
    instanceId: cloud.instanceId,
    clientId,
  })
}

async function raw(
  clientId: string,
  credentials: { username: string; password: string },
  extra: Record<string, unknown> = {},
): Promise<MqttClient> {
  const client = await connectAsync(`mqtt://127.0.0.1:${cloud.broker.tcpPort}`, {
    clientId,
    ...credentials,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 3000,
    ...extra,
  })
  opened.push(client)
  return client
}

async function refused(
  clientId: string,
  credentials: { username: string; password: string },
): Promise<number | undefined> {
  return raw(clientId, credentials).then(
    () => undefined,
    (e: { code?: number }) => e.code,
  )
}

function closed(client: MqttClient, ms = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    if (client.disconnected || !client.connected) return resolve(true)
    const timer = setTimeout(() => resolve(false), ms)
    client.once('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

function nextMessage(
  client: MqttClient,
  ms = 3000,
): Promise<{ topic: string; payload: string; retain: boolean } | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms)
    client.once('message', (topic, payload, packet) => {
      clearTimeout(timer)
      resolve({ topic, payload: payload.toString(), retain: packet.retain })
    })
  })
}

describe('sign-in', () => {
  test('Signature mode: the right password connects; swapped key/data, wrong instance and unknown key are refused', async () => {
    await raw('GID_test@@@sig1', sig('GID_test@@@sig1'))
    const swapped = {
      username: `Signature|${cloud.accessKeyId}|${cloud.instanceId}`,
      password: signatureCredentials({
        accessKeyId: 'x',
        accessKeySecret: 'GID_test@@@sig2',
        instanceId: 'i',
        clientId: 'GID_test@@@sig2',
      }).password,
    }
    expect(await refused('GID_test@@@sig2', swapped)).toBe(4)
    expect(
      await refused('GID_test@@@sig2', {
        ...sig('GID_test@@@sig2'),
        username: `Signature|${cloud.accessKeyId}|mqtt-cn-other`,
      }),
    ).toBe(4)
    expect(
      await refused('GID_test@@@sig2', {
        ...sig('GID_test@@@sig2'),
        username: `Signature|LTAIother|${cloud.instanceId}`,
      }),
    ).toBe(4)
    // A password signed for another client id is refused.
    expect(await refused('GID_test@@@sig2', sig('GID_test@@@sig1'))).toBe(4)
  })

  test('client id rules and unknown groups', async () => {
    expect(await refused('nogroup', sig('GID_test@@@x'))).toBe(2)
    expect(await refused('GID_test@@@a/b', sig('GID_test@@@x'))).toBe(2)
    expect(await refused(`GID_test@@@${'x'.repeat(60)}`, sig('GID_test@@@x'))).toBe(2)
    expect(await refused('GID_unknown@@@x', sig('GID_unknown@@@x'))).toBe(5)
  })

  test('DeviceCredential mode through the OpenAPI, with the pure HMAC; a refreshed credential replaces the old one', async () => {
    const api = createAliyunMqttApi({
      accessKeyId: cloud.accessKeyId,
      accessKeySecret: cloud.accessKeySecret,
      endpoint: cloud.openApi.endpoint,
      instanceId: cloud.instanceId,
    })
    const clientId = 'GID_locks@@@lock7'
    const first = await api.registerDeviceCredential(clientId)
    const make = (c: typeof first) =>
      createClient({
        broker: aliyun({
          instanceId: cloud.instanceId,
          groupId: 'GID_locks',
          deviceId: 'lock7',
          host: '127.0.0.1',
          ports: { mqtt: cloud.broker.tcpPort },
          credentials: deviceCredentialAuth({
            deviceAccessKeyId: c.deviceAccessKeyId,
            deviceAccessKeySecret: c.deviceAccessKeySecret,
            subtle: null,
          }),
        }),
        transport: tcp(),
        reconnect: false,
      })
    const device = make(first)
    await device.connect()
    await device.close()
    await api.refreshDeviceCredential(clientId)
    await expect(make(first).connect()).rejects.toMatchObject({ code: 'NOT_AUTHORIZED', reasonCode: 4 })
    const current = await api.getDeviceCredential(clientId)
    const again = make(current)
    await again.connect()
    await again.close()
  })

  test('Token mode: every token must be valid; wrong type and unknown tokens are refused', async () => {
    const { registry } = cloud.emulation
    const base = { instanceId: cloud.instanceId, accessKeyId: cloud.accessKeyId, expireTime: Date.now() + 600_000 }
    const r = registry.applyToken({ ...base, resources: ['notify/t/#'], actions: 'R' }).token
    const w = registry.applyToken({ ...base, resources: ['notify/t/#'], actions: 'W' }).token
    const username = `Token|${cloud.accessKeyId}|${cloud.instanceId}`
    await raw('GID_test@@@tok1', { username, password: `R|${r}|W|${w}` })
    expect(await refused('GID_test@@@tok2', { username, password: `R|${r}|W|nope` })).toBe(5)
    expect(await refused('GID_test@@@tok2', { username, password: `W|${r}` })).toBe(5)
    expect(await refused('GID_test@@@tok2', { username, password: `R|${r}|R|${r}` })).toBe(4)
    expect(
      await refused('GID_test@@@tok2', { username: `Token|LTAIother|${cloud.instanceId}`, password: `R|${r}` }),
    ).toBe(4)
  })
})

describe('broker behaviour', () => {
  test('token permissions: subscribing outside the R resources closes the connection', async () => {
    const base = { instanceId: cloud.instanceId, accessKeyId: cloud.accessKeyId, expireTime: Date.now() + 600_000 }
    const r = cloud.emulation.registry.applyToken({ ...base, resources: ['notify/perm/+'], actions: 'R' }).token
    const client = await raw('GID_test@@@perm1', {
      username: `Token|${cloud.accessKeyId}|${cloud.instanceId}`,
      password: `R|${r}`,
    })
    await client.subscribeAsync('notify/perm/a')
    void client.subscribeAsync('notify/perm/#').catch(() => {})
    expect(await closed(client)).toBe(true)
  })

  test('retained flags are dropped, wills are ignored', async () => {
    const sub = await raw('GID_test@@@ret-sub', sig('GID_test@@@ret-sub'))
    await sub.subscribeAsync('notify/ret/#', { qos: 1 })
    const pub = await raw('GID_test@@@ret-pub', sig('GID_test@@@ret-pub'), {
      will: { topic: 'notify/ret/will', payload: Buffer.from('gone'), qos: 1, retain: false },
    })
    const live = nextMessage(sub)
    await pub.publishAsync('notify/ret/x', 'v', { qos: 1, retain: true })
    expect(await live).toEqual({ topic: 'notify/ret/x', payload: 'v', retain: false })
    const late = await raw('GID_test@@@ret-late', sig('GID_test@@@ret-late'))
    const retained = nextMessage(late, 500)
    await late.subscribeAsync('notify/ret/#', { qos: 1 })
    expect(await retained).toBeUndefined()
    // The publisher vanishes without DISCONNECT: a will would fire now on a normal broker.
    const will = nextMessage(sub, 600)
    pub.stream.destroy()
    expect(await will).toBeUndefined()
  })

  test("P2P reaches only its target, without a subscription; others' P2P topics cannot be subscribed", async () => {
    const target = await raw('GID_test@@@p2p-a', sig('GID_test@@@p2p-a'))
    const snoop = await raw('GID_test@@@p2p-b', sig('GID_test@@@p2p-b'))
    await snoop.subscribeAsync('notify/#')
    const got = nextMessage(target)
    const snooped = nextMessage(snoop, 500)
    const sender = await raw('GID_test@@@p2p-c', sig('GID_test@@@p2p-c'))
    await sender.publishAsync('notify/p2p/GID_test@@@p2p-a', 'hi', { qos: 1 })
    expect(await got).toEqual({ topic: 'notify/p2p/GID_test@@@p2p-a', payload: 'hi', retain: false })
    expect(await snooped).toBeUndefined()
    void snoop.subscribeAsync('notify/p2p/GID_test@@@p2p-a').catch(() => {})
    expect(await closed(snoop)).toBe(true)
  })

  test('topic rules: unknown parent topics, $ topics and oversize payloads close the connection', async () => {
    for (const [i, act] of [
      (c: MqttClient) => c.publishAsync('nope/x', 'v', { qos: 1 }),
      (c: MqttClient) => c.publishAsync(`notify/${'x'.repeat(60)}`, 'v', { qos: 1 }),
      (c: MqttClient) => c.subscribeAsync('$SYS/#'),
      (c: MqttClient) => c.publishAsync('notify/big', Buffer.alloc(64 * 1024 + 1), { qos: 1 }),
    ].entries()) {
      const client = await raw(`GID_test@@@rule${i}`, sig(`GID_test@@@rule${i}`))
      void act(client).catch(() => {})
      expect(await closed(client), `case ${i}`).toBe(true)
    }
  })

  test('at most 30 subscriptions', async () => {
    const client = await raw('GID_test@@@many', sig('GID_test@@@many'))
    for (let i = 0; i < 30; i++) await client.subscribeAsync(`notify/many/${i}`)
    // The 31st is refused (SUBACK 0x80; Aliyun drops it silently), re-subscribing an existing one is not.
    await expect(client.subscribeAsync('notify/many/30')).rejects.toMatchObject({ packet: { granted: [128] } })
    await client.subscribeAsync('notify/many/0')
  })

  test('a second client with the same client id disconnects the first', async () => {
    const first = await raw('GID_test@@@twin', sig('GID_test@@@twin'))
    const gone = closed(first)
    await raw('GID_test@@@twin', sig('GID_test@@@twin'))
    expect(await gone).toBe(true)
    expect(cloud.emulation.isOnline('GID_test@@@twin')).toBe(true)
  })

  test('token expiry: expire notice ahead of time, invalid notice (code 2) and disconnect at expiry; uploadToken replaces it', async () => {
    const local = await startLocalAliyunCloud({ expireNoticeBeforeMs: 800, sweepIntervalMs: 50 })
    try {
      const base = {
        instanceId: local.instanceId,
        accessKeyId: local.accessKeyId,
        resources: ['notify/#'],
        actions: 'R,W' as const,
      }
      const short = local.emulation.registry.applyToken({ ...base, expireTime: Date.now() + 1200 }).token
      const longer = local.emulation.registry.applyToken({ ...base, expireTime: Date.now() + 600_000 }).token
      const connect = (id: string) =>
        connectAsync(`mqtt://127.0.0.1:${local.broker.tcpPort}`, {
          clientId: id,
          username: `Token|${local.accessKeyId}|${local.instanceId}`,
          password: `RW|${short}`,
          protocolVersion: 4,
          reconnectPeriod: 0,
        })
      const [a, b] = await Promise.all([connect('GID_test@@@exp-a'), connect('GID_test@@@exp-b')])
      opened.push(a, b)
      const noticeA = nextMessage(a, 2000)
      expect(JSON.parse((await noticeA)?.payload ?? '{}')).toMatchObject({ type: 'RW', expireTime: expect.any(Number) })
      // a uploads a fresh token and survives; b does not and is told, then dropped.
      await a.publishAsync('$SYS/uploadToken', JSON.stringify({ token: longer, type: 'RW' }), { qos: 1 })
      const invalid = await new Promise<string>((resolve) =>
        b.on('message', (t, p) => t === '$SYS/tokenInvalidNotice' && resolve(p.toString())),
      )
      expect(JSON.parse(invalid)).toEqual({ code: 2, type: 'RW' })
      expect(await closed(b)).toBe(true)
      expect(local.emulation.clientTokens('GID_test@@@exp-a')).toEqual({ RW: longer })
      expect(a.connected).toBe(true)
    } finally {
      await local.close()
    }
  })
})
