import { aliyun, p2pTopic, presignedAuth, tokenAuth, type AliyunTokenGrant } from '@tidings/aliyun'
import {
  aliyunCredentialIssuer,
  aliyunServerPublisher,
  createAliyunMqttApi,
  signatureCredentials,
} from '@tidings/aliyun/server'
import { createClient, json, topic, type ClientState, type TidingsError } from '@tidings/core'
import { tcp } from '@tidings/transport-node'
import { websocket } from '@tidings/transport-ws'
import { afterEach, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { startLocalAliyunCloud, type LocalAliyunCloud } from '../../src/aliyun/index.js'

const bell = topic('notify/{userId}/bell', json<{ n: number }>(), { qos: 1 })
const direct = topic('notify/p2p/{clientId}', json<{ from: string }>(), { qos: 1 })

let cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {})
  cleanups = []
})

/** Resolves with the first value `probe` returns that is not undefined, polling every 20 ms for up to `ms`. */
async function eventually<T>(probe: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

test('backend issuer → browser-style token client over ws: P2P, SendMessage push, in-session refresh, revocation', async () => {
  const cloud: LocalAliyunCloud = await startLocalAliyunCloud()
  cleanups.push(() => cloud.close())

  // --- backend ---
  const api = createAliyunMqttApi({
    accessKeyId: cloud.accessKeyId,
    accessKeySecret: cloud.accessKeySecret,
    endpoint: cloud.openApi.endpoint,
    instanceId: cloud.instanceId,
    retryBaseMs: 10,
  })
  const issuer = aliyunCredentialIssuer(api, { groupId: 'GID_web' })
  const publisher = aliyunServerPublisher(api)
  let loggedOut = false
  let lastPassword = ''
  const fetchReasons: string[] = []
  // The app's own endpoint: JSON in, JSON out, as a browser would see it.
  const backendTokenEndpoint = async (reason: string): Promise<AliyunTokenGrant> => {
    fetchReasons.push(reason)
    if (!loggedOut) {
      const issued = await issuer.issue({
        userId: '42',
        clientId: 'GID_web@@@tab1',
        subscribe: ['notify/42/#'],
        publish: ['notify/42/#'],
        ttlSeconds: reason === 'refresh' ? 7200 : 600,
      })
      lastPassword = issued.password
    }
    // After logout this stale backend keeps handing out the revoked token: the broker must refuse it.
    return JSON.parse(
      JSON.stringify({ password: lastPassword, expiresAt: new Date(Date.now() + 600_000) }),
    ) as AliyunTokenGrant
  }

  // --- browser-style client: token auth over WebSocket ---
  const profile = aliyun({
    instanceId: cloud.instanceId,
    groupId: 'GID_web',
    deviceId: 'tab1',
    host: '127.0.0.1',
    ports: { ws: cloud.broker.wsPort },
    p2p: ['notify'],
    credentials: tokenAuth({
      accessKeyId: cloud.accessKeyId,
      fetchToken: ({ reason }) => backendTokenEndpoint(reason),
    }),
  })
  const client = createClient({
    broker: profile,
    transport: websocket({ WebSocket }),
    reconnect: { baseMs: 50, capMs: 200 },
    connectTimeoutMs: 5000,
  })
  cleanups.push(() => client.close({ force: true }))
  const states: Array<{ state: ClientState; error?: TidingsError }> = []
  const errors: TidingsError[] = []
  client.on('state', (state, info) => states.push({ state, ...(info.error ? { error: info.error } : {}) }))
  client.on('error', (error) => errors.push(error))

  await client.connect()
  // The broker registers a client just after its CONNACK: wait for that.
  expect(await eventually(() => cloud.emulation.clientMode('GID_web@@@tab1'))).toBe('Token')
  const firstToken = cloud.emulation.clientTokens('GID_web@@@tab1')?.RW
  expect(firstToken).toBeTruthy()
  expect(lastPassword).toBe(`RW|${firstToken}`)

  const bells: number[] = []
  const directs: string[] = []
  await client.subscribe(bell, { userId: '42' }, (m) => void bells.push(m.n))
  await client.subscribe(direct, { clientId: 'GID_web@@@tab1' }, (m) => void directs.push(m.from))
  // The P2P route is listen-only: Aliyun delivers P2P without a subscription, so none was sent.
  const aedesClient = cloud.broker.aedes as unknown as {
    clients: Record<string, { subscriptions: Record<string, unknown> }>
  }
  expect(Object.keys(aedesClient.clients['GID_web@@@tab1']!.subscriptions)).toEqual(['notify/42/bell'])

  // A P2P message from another client (a backend device in Signature mode, signed server-side).
  const sender = createClient({
    broker: aliyun({
      instanceId: cloud.instanceId,
      groupId: 'GID_backend',
      deviceId: 'svc',
      host: '127.0.0.1',
      ports: { mqtt: cloud.broker.tcpPort },
      credentials: presignedAuth({
        fetchCredentials: ({ clientId, instanceId }) =>
          signatureCredentials({
            accessKeyId: cloud.accessKeyId,
            accessKeySecret: cloud.accessKeySecret,
            instanceId,
            clientId,
          }),
      }),
    }),
    transport: tcp(),
  })
  cleanups.push(() => sender.close({ force: true }))
  await sender.connect()
  await sender.publish(direct, { clientId: 'GID_web@@@tab1' }, { from: 'svc' })
  expect(p2pTopic('notify', 'GID_web@@@tab1')).toBe('notify/p2p/GID_web@@@tab1')
  await eventually(() => (directs.length > 0 ? true : undefined))
  expect(directs).toEqual(['svc'])

  // A server push through SendMessage, and through the ServerPublisher contract.
  const { msgId } = await api.sendMessage({ topic: 'notify/42/bell', payload: JSON.stringify({ n: 1 }) })
  expect(msgId).toMatch(/^[0-9A-F]{32}$/)
  expect((await publisher.publish('notify/42/bell', new TextEncoder().encode('{"n":2}'))).id).toMatch(/^[0-9A-F]{32}$/)
  await eventually(() => (bells.length === 2 ? true : undefined))
  expect(bells).toEqual([1, 2])
  expect(await api.querySession('GID_web@@@tab1')).toEqual({ online: true })

  // Token refresh in-session: Aliyun's expiry notice → new token fetched and uploaded, no reconnect.
  expect(cloud.emulation.noticeTokenExpiry('GID_web@@@tab1')).toBe(true)
  const secondToken = await eventually(() => {
    const now = cloud.emulation.clientTokens('GID_web@@@tab1')?.RW
    return now && now !== firstToken ? now : undefined
  })
  expect(fetchReasons).toEqual(['connect', 'refresh'])
  await client.publish(bell, { userId: '42' }, { n: 3 })
  await eventually(() => (bells.length === 3 ? true : undefined))
  expect(states.map((s) => s.state)).toEqual(['connecting', 'online'])

  // Revocation: the broker sends tokenInvalidNotice and disconnects; the stale token is refused → NOT_AUTHORIZED.
  loggedOut = true
  await issuer.revoke(lastPassword)
  expect(await api.queryToken(secondToken)).toEqual({ valid: false })
  const final = await eventually(() => states.find((s) => s.state === 'offline'), 10_000)
  expect(final.error?.code).toBe('NOT_AUTHORIZED')
  expect(final.error?.reasonCode).toBe(5)
  expect(errors.some((e) => e.code === 'NOT_AUTHORIZED' && /revoked/.test(e.message))).toBe(true)
  expect(fetchReasons.slice(2)).toEqual(['invalidated', 'rejected'])
  expect(cloud.emulation.isOnline('GID_web@@@tab1')).toBe(false)
  await expect(client.publish(bell, { userId: '42' }, { n: 4 })).rejects.toMatchObject({ code: 'NOT_CONNECTED' })
})

test('tokenAuth replaces a token before expiry on its own timer, without a notice and without reconnecting', async () => {
  // No expiry notices from this broker: the client must not depend on them.
  const cloud = await startLocalAliyunCloud({ expireNoticeBeforeMs: 0, sweepIntervalMs: 50 })
  cleanups.push(() => cloud.close())
  const issued: string[] = []
  const fetchToken = () => {
    const { token } = cloud.emulation.registry.applyToken({
      instanceId: cloud.instanceId,
      accessKeyId: cloud.accessKeyId,
      resources: ['notify/#'],
      actions: 'R,W',
      expireTime: Date.now() + 2500,
    })
    issued.push(token)
    return { tokens: { RW: token }, expiresAt: Date.now() + 2500 }
  }
  const client = createClient({
    broker: aliyun({
      instanceId: cloud.instanceId,
      groupId: 'GID_web',
      deviceId: 'timer',
      host: '127.0.0.1',
      ports: { mqtt: cloud.broker.tcpPort },
      credentials: tokenAuth({ accessKeyId: cloud.accessKeyId, fetchToken }),
    }),
    transport: tcp(),
  })
  cleanups.push(() => client.close({ force: true }))
  const states: ClientState[] = []
  client.on('state', (s) => void states.push(s))
  await client.connect()
  // Refreshed at half the 2.5 s lifetime, then again: the broker saw each new token uploaded.
  await eventually(
    () => (issued.length >= 3 && cloud.emulation.clientTokens('GID_web@@@timer')?.RW === issued[2] ? true : undefined),
    8000,
  )
  const got: number[] = []
  await client.subscribe(bell, { userId: 'me' }, (m) => void got.push(m.n))
  await client.publish(bell, { userId: 'me' }, { n: 1 })
  await eventually(() => (got.length === 1 ? true : undefined))
  expect(states).toEqual(['connecting', 'online'])
})
