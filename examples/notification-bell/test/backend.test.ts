import { TidingsError, type ServerPublisher, type TidingsClient } from '@tidings/core'
import { defineServerPublisher } from '@tidings/core/server'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { startBellBackend, type BellBackend } from '../src/backend.js'
import { startDemoBroker, type DemoBroker } from '../src/demo-broker.js'
import { notifications, unread, type Notification } from '../src/topics.js'
import { call, jwtClaims, pageClient } from './support.js'

describe('bell backend on the demo broker', () => {
  let demo: DemoBroker
  let publisher: TidingsClient
  let backend: BellBackend
  const closers: Array<() => Promise<void>> = []

  beforeAll(async () => {
    demo = await startDemoBroker()
    publisher = await demo.connectBackend()
    backend = await startBellBackend({ client: publisher, issuer: demo.issuer })
  })
  afterAll(async () => {
    for (const close of closers.reverse()) await close()
    await backend.close()
    await publisher.close()
    await demo.close()
  })

  /** A logged-in user's page, connected with credentials from the backend. */
  const page = async (userId: string): Promise<{ client: TidingsClient; cookie: string; fetched: () => number }> => {
    const cookie = backend.login(userId)
    const { client, fetched } = pageClient(demo, backend, cookie)
    closers.push(() => client.close({ force: true }))
    await client.connect()
    return { client, cookie, fetched }
  }
  const reader = (): string => backend.login('reader')

  test('a like is published to the notifications topic, then the unread count', async () => {
    const { client } = await page('ann')
    const seen: string[] = []
    await client.subscribe(notifications, { userId: 'ann' }, (n) => {
      seen.push(`note:${n.kind}:${n.actor}:${n.article}`)
    })
    await client.subscribe(unread, { userId: 'ann' }, ({ count }) => {
      seen.push(`unread:${count}`)
    })
    const { status, json } = await call(backend, '/api/users/ann/like', {
      cookie: reader(),
      body: { from: 'Omar Haddad', article: 'The quiet cost of polling' },
    })
    expect(status).toBe(201)
    expect(json).toMatchObject({ unread: 1, notification: { kind: 'like', actor: 'Omar Haddad', read: false } })
    await vi.waitFor(() => expect(seen).toEqual(['note:like:Omar Haddad:The quiet cost of polling', 'unread:1']), {
      timeout: 5000,
    })
  })

  test('the unread count is retained: a freshly opened page gets it at once', async () => {
    const cookie = reader()
    await call(backend, '/api/users/bo/follow', { cookie, body: { from: 'Lena Fischer' } })
    await call(backend, '/api/users/bo/comment', { cookie, body: { from: 'Kenji Mori', article: 'N', text: 'Great' } })
    const { client } = await page('bo')
    expect(await client.waitFor(unread, { userId: 'bo' }, { timeoutMs: 5000 })).toEqual({ count: 2 })
  })

  test('mark all read acts on the logged-in user: publishes 0, the list keeps the entries as read', async () => {
    await call(backend, '/api/users/cy/like', { cookie: reader(), body: { from: 'Ann Lee', article: 'Calm' } })
    const cookie = backend.login('cy')
    expect((await call(backend, '/api/read-all', { cookie, method: 'POST' })).json).toEqual({ unread: 0 })
    const { client } = await page('cy')
    expect(await client.waitFor(unread, { userId: 'cy' }, { timeoutMs: 5000 })).toEqual({ count: 0 })
    const list = (await call(backend, '/api/notifications', { cookie })).json as {
      notifications: Notification[]
      unread: number
    }
    expect(list.unread).toBe(0)
    expect(list.notifications.map((n) => n.read)).toEqual([true])
  })

  test("credentials are the session user's: their two bell topics to read, nothing to publish, short-lived", async () => {
    const cookie = backend.login('dan')
    // A user id in the query (or anywhere in the request) is not looked at.
    const { status, json } = await call(backend, '/api/mqtt-credentials?userId=eve', { cookie })
    expect(status).toBe(200)
    expect(Object.keys(json).sort()).toEqual(['clientId', 'expiresAt', 'password', 'username'])
    const claims = jwtClaims(json.password as string)
    expect(claims).toMatchObject({ username: 'dan', clientid: json.clientId })
    expect(claims.acl).toEqual([
      { permission: 'allow', action: 'subscribe', topic: 'user/dan/notifications' },
      { permission: 'allow', action: 'subscribe', topic: 'user/dan/unread' },
      { permission: 'deny', action: 'all', topic: '#' },
    ])
    const lifetime = Date.parse(json.expiresAt as string) - Date.now()
    expect(lifetime).toBeGreaterThan(590_000)
    expect(lifetime).toBeLessThanOrEqual(600_000)
  })

  test('the page gets fresh credentials on every reconnect', async () => {
    const { client, fetched } = await page('fay')
    const first = fetched()
    expect(first).toBe(1)
    demo.broker.dropClients()
    await vi.waitFor(() => expect(fetched()).toBeGreaterThan(first), { timeout: 5000 })
    await vi.waitFor(() => expect(client.state).toBe('online'), { timeout: 5000 })
  })

  test('bad requests get clear 4xx answers and publish nothing', async () => {
    const cookie = reader()
    expect(await call(backend, '/api/users/dee/like', { cookie, body: { article: 'x' } })).toMatchObject({
      status: 400,
      json: { error: '"from" is required' },
    })
    expect(
      await call(backend, '/api/users/dee/comment', { cookie, body: { from: 'Ann', article: 'x' } }),
    ).toMatchObject({
      status: 400,
      json: { error: '"text" is required' },
    })
    expect((await call(backend, '/api/users/dee/poke', { cookie, body: { from: 'Ann' } })).status).toBe(404)
    expect((await call(backend, '/api/users/dee/like', { cookie })).status).toBe(405)
    // User ids that are not one topic level: wildcards, an encoded slash, broken percent-encoding.
    for (const id of ['%2B', '%23', 'a%2Fb', '%E0%A4%A']) {
      const answer = await call(backend, `/api/users/${id}/follow`, { cookie, body: { from: 'Ann' } })
      expect(answer.status, id).toBe(400)
    }
    expect(backend.store.list('dee')).toEqual([])
  })
})

describe('bell backend with a server publisher', () => {
  test("publishes with the typed form: the topics' names, codecs, QoS and retain flags", async () => {
    const sent: Array<{ topic: string; payload: string; qos?: number; retain?: boolean }> = []
    const publisher: ServerPublisher = defineServerPublisher(async (topic, payload, opts) => {
      sent.push({
        topic,
        payload: typeof payload === 'string' ? payload : new TextDecoder().decode(payload),
        ...opts,
      })
      return { delivered: true }
    })
    const issuer = { issue: () => Promise.reject(new Error('not used')) }
    const backend = await startBellBackend({ publisher, issuer })
    try {
      const answer = await call(backend, '/api/users/eve/follow', {
        cookie: backend.login('ann'),
        body: { from: 'Priya Nair' },
      })
      expect(answer.status).toBe(201)
      expect(sent.map((s) => [s.topic, s.qos, s.retain])).toEqual([
        ['user/eve/notifications', 1, false],
        ['user/eve/unread', 1, true],
      ])
      expect(JSON.parse(sent[0]!.payload)).toMatchObject({ kind: 'follow', actor: 'Priya Nair' })
      expect(JSON.parse(sent[1]!.payload)).toEqual({ count: 1 })
    } finally {
      await backend.close()
    }
  })

  test('a refused issue answers 503 with its code, never its message (it may name broker internals)', async () => {
    const issuer = {
      issue: () => Promise.reject(new TidingsError('API_UNAVAILABLE', 'admin login admin:s3cret-pw@broker failed')),
    }
    const backend = await startBellBackend({ publisher: defineServerPublisher(async () => ({})), issuer })
    try {
      const answer = await call(backend, '/api/mqtt-credentials', { cookie: backend.login('ann') })
      expect(answer.status).toBe(503)
      expect(answer.json).toEqual({ error: 'the broker did not accept the request', code: 'API_UNAVAILABLE' })
      expect(JSON.stringify(answer.json)).not.toContain('s3cret')
    } finally {
      await backend.close()
    }
  })

  test('without a client or publisher, or without an issuer, it refuses to start', async () => {
    const issuer = { issue: () => Promise.reject(new Error('not used')) }
    await expect(startBellBackend({ issuer } as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    const publisher = defineServerPublisher(async () => ({}))
    await expect(startBellBackend({ publisher } as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
  })
})
