import { createClient, genericBroker, isTidingsError, json, topic, type TidingsClient } from '@tidings/core'
import { startDevBroker } from '@tidings/devbroker'
import { emqx } from '@tidings/emqx'
import { websocket } from '@tidings/transport-ws'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { WebSocket } from 'ws'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { startBellBackend, type BellBackend } from '../src/backend.js'
import { startDemoBroker, type DemoBroker } from '../src/demo-broker.js'
import { pageGrants } from '../src/grants.js'
import { notifications } from '../src/topics.js'
import { call, pageClient } from './support.js'

// MQTT.js's Node build (the `module` condition would pick its browser bundle).
const mqtt = createRequire(import.meta.url)('mqtt') as typeof import('mqtt')

// The attacks a copied demo would be open to, each shown working where the check is missing and refused
// through the example's own wiring.

let demo: DemoBroker
let publisher: TidingsClient
let backend: BellBackend
let pageDir: string
const closers: Array<() => Promise<void>> = []

beforeAll(async () => {
  pageDir = mkdtempSync(join(tmpdir(), 'tidings-bell-security-'))
  writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>bell</title>')
  demo = await startDemoBroker()
  publisher = await demo.connectBackend()
  backend = await startBellBackend({
    client: publisher,
    issuer: demo.issuer,
    page: { dir: pageDir, config: demo.pageConfig },
    demoUser: 'maya',
  })
})
afterAll(async () => {
  for (const close of closers.reverse()) await close()
  await backend.close()
  await publisher.close()
  await demo.close()
  rmSync(pageDir, { recursive: true, force: true })
})

const track = (client: TidingsClient): TidingsClient => {
  closers.push(() => client.close({ force: true }))
  return client
}
const code = (error: unknown): string => (isTidingsError(error) ? error.code : String(error))
const like = (cookie: string, userId: string, headers: Record<string, string> = {}) =>
  call(backend, `/api/users/${userId}/like`, { cookie, headers, body: { from: 'Mallory', article: 'Calm' } })

describe('an anonymous client on the WebSocket listener', () => {
  /** Every user's bell topics: the template's parameters left out become `+` (`user/+/+`). */
  const everyBell = topic('user/{userId}/{kind}', json<unknown>())
  const anonymous = (url: string): TidingsClient =>
    track(
      createClient({
        broker: genericBroker({ url }),
        transport: websocket({ WebSocket }),
        protocolVersion: 4,
        reconnect: false,
      }),
    )

  test('without authentication on the broker, it reads every user’s notifications', async () => {
    const open = await startDevBroker()
    try {
      const eavesdropper = anonymous(open.wsUrl)
      await eavesdropper.connect()
      const seen: string[] = []
      await eavesdropper.subscribe(everyBell, {}, (_, meta) => {
        seen.push(meta.topic)
      })
      const writer = track(createClient({ broker: open.profile(), transport: websocket({ WebSocket }) }))
      await writer.connect()
      await writer.publish(
        notifications,
        { userId: 'maya' },
        { id: 'n1', kind: 'follow', actor: 'Lena', at: '', read: false },
      )
      await vi.waitFor(() => expect(seen).toEqual(['user/maya/notifications']), { timeout: 5000 })
    } finally {
      await open.close()
    }
  })

  test('the demo broker refuses it at connect, before it can subscribe to anything', async () => {
    const error = await anonymous(demo.broker.wsUrl)
      .connect()
      .catch((e: unknown) => e)
    expect(code(error)).toBe('NOT_AUTHORIZED')
  })

  test('and a logged-in page may not subscribe to # either (deny what the token does not grant)', async () => {
    const { json: creds } = await call(backend, '/api/mqtt-credentials', { cookie: backend.login('ann') })
    // MQTT.js, to send the raw `#` filter; over TCP, where the broker applies the same token and ACL.
    const page = await mqtt.connectAsync(demo.broker.mqttUrl, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      clientId: creds.clientId as string,
      username: creds.username as string,
      password: creds.password as string,
    })
    try {
      // SUBACK 0x80: refused.
      const refused = (await page.subscribeAsync('#', { qos: 1 }).catch((e: unknown) => e)) as {
        packet?: { granted?: number[] }
      }
      expect(refused.packet?.granted).toEqual([128])
    } finally {
      await page.endAsync(true)
    }
  })
})

describe("user A's page and user B's topics", () => {
  test('a grant built by interpolating a wildcard user id would let A read B', async () => {
    // What `user/${userId}/notifications` makes of the user id `+`, issued directly.
    const creds = await demo.issuer.issue({
      userId: 'ann',
      subscribe: ['user/+/notifications'],
      publish: [],
      ttlSeconds: 60,
    })
    const ann = track(
      createClient({
        broker: emqx({
          host: '127.0.0.1',
          ports: { ws: demo.broker.wsPort },
          protocolVersion: 4,
          clientId: creds.clientId,
          username: creds.username!,
          password: creds.password,
        }),
        transport: websocket({ WebSocket }),
      }),
    )
    await ann.connect()
    await expect(ann.subscribe(notifications, { userId: 'ben' }, () => {})).resolves.toBeDefined()
    // grant() refuses that user id outright.
    expect(() => pageGrants('+')).toThrow(expect.objectContaining({ code: 'INVALID_TOPIC' }))
  })

  test("A's credentials from the backend cannot read B's notifications or unread count", async () => {
    const { client } = pageClient(demo, backend, backend.login('ann'))
    track(client)
    await client.connect()
    const snoop = await client.subscribe(notifications, { userId: 'ben' }, () => {}).catch((e: unknown) => e)
    expect(code(snoop)).toBe('SUBSCRIBE_DENIED')
    await expect(client.subscribe(notifications, { userId: 'ann' }, () => {})).resolves.toBeDefined()
  })

  test('credentials need a session: the page cannot name the user it wants', async () => {
    expect((await call(backend, '/api/mqtt-credentials')).status).toBe(401)
    expect((await call(backend, '/api/mqtt-credentials?userId=ben')).status).toBe(401)
    expect((await call(backend, '/api/me', { cookie: 'bell_session=guessed' })).status).toBe(401)
  })
})

describe('cross-site requests', () => {
  test('a POST from another site with the user’s cookie is refused and changes nothing', async () => {
    const cookie = backend.login('ann')
    const attempts: Array<Record<string, string>> = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' },
      // A sibling subdomain is same-site, yet not this origin.
      { 'sec-fetch-site': 'same-site', origin: 'http://other.127.0.0.1.nip.io' },
    ]
    for (const headers of attempts) {
      const answer = await like(cookie, 'gus', headers)
      expect(answer.status, JSON.stringify(headers)).toBe(403)
      expect(answer.headers.get('access-control-allow-origin')).toBeNull()
    }
    const read = await call(backend, '/api/read-all', {
      cookie,
      method: 'POST',
      headers: { origin: 'http://evil.example' },
    })
    expect(read.status).toBe(403)
    expect(backend.store.list('gus')).toEqual([])
    // The same request from the backend's own origin goes through: the origin alone made the difference.
    expect((await like(cookie, 'gus', { origin: backend.url, 'sec-fetch-site': 'same-origin' })).status).toBe(201)
    expect(backend.store.list('gus')).toHaveLength(1)
  })

  test('another site cannot fetch credentials with the user’s cookie', async () => {
    const cookie = backend.login('ann')
    const answer = await call(backend, '/api/mqtt-credentials', { cookie, headers: { 'sec-fetch-site': 'cross-site' } })
    expect(answer.status).toBe(403)
    expect(answer.json).not.toHaveProperty('password')
  })

  test('a CORS preflight gets no permission', async () => {
    const response = await fetch(`${backend.url}/api/users/ann/like`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    })
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('the session cookie', () => {
  test('a first visit logs the demo user in with an HttpOnly, SameSite=Strict cookie', async () => {
    const first = await fetch(`${backend.url}/`)
    expect(first.status).toBe(200)
    const setCookie = first.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(/^bell_session=[\w-]{43}; /)
    expect(setCookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict'])
    const cookie = setCookie.split(';')[0]!
    expect((await call(backend, '/api/me', { cookie })).json).toEqual({ userId: 'maya' })
    // A returning visitor keeps the session.
    expect((await fetch(`${backend.url}/`, { headers: { cookie } })).headers.get('set-cookie')).toBeNull()
  })

  test('without demoUser, opening the page logs nobody in', async () => {
    const plain = await startBellBackend({
      client: publisher,
      issuer: demo.issuer,
      page: { dir: pageDir, config: demo.pageConfig },
    })
    try {
      const response = await fetch(`${plain.url}/`)
      expect(response.headers.get('set-cookie')).toBeNull()
      expect((await call(plain, '/api/me')).status).toBe(401)
    } finally {
      await plain.close()
    }
  })
})
