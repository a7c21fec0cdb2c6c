import { createClient, defineServerPublisher, type ServerPublisher, type TidingsClient } from '@tidings/core'
import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { tcp } from '@tidings/transport-node'
import { WebSocket } from 'ws'
import { websocket } from '@tidings/transport-ws'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { startBellBackend, type BellBackend } from '../src/backend.js'
import { notifications, unread, type Notification } from '../src/topics.js'

const post = async (
  backend: BellBackend,
  path: string,
  body: object = {},
): Promise<{ status: number; json: Record<string, unknown> }> => {
  const response = await fetch(`${backend.url}/api/users/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, json: (await response.json()) as Record<string, unknown> }
}

describe('bell backend with a tidings client', () => {
  let broker: DevBroker
  let publisher: TidingsClient
  let backend: BellBackend
  const closers: Array<() => Promise<void>> = []

  beforeAll(async () => {
    broker = await startDevBroker()
    publisher = createClient({ broker: broker.profile(), transport: tcp() })
    await publisher.connect()
    backend = await startBellBackend({ client: publisher })
  })
  afterAll(async () => {
    for (const close of closers.reverse()) await close()
    await backend.close()
    await publisher.close()
    await broker.close()
  })

  /** A browser-like subscriber over ws. */
  const subscriber = async (): Promise<TidingsClient> => {
    const client = createClient({ broker: broker.profile(), transport: websocket({ WebSocket }) })
    closers.push(() => client.close({ force: true }))
    await client.connect()
    return client
  }

  test('a like is published to the notifications topic, then the unread count', async () => {
    const page = await subscriber()
    const seen: string[] = []
    await page.subscribe(notifications, { userId: 'ann' }, (n) => {
      seen.push(`note:${n.kind}:${n.actor}:${n.article}`)
    })
    await page.subscribe(unread, { userId: 'ann' }, ({ count }) => {
      seen.push(`unread:${count}`)
    })
    const { status, json } = await post(backend, 'ann/like', {
      from: 'Omar Haddad',
      article: 'The quiet cost of polling',
    })
    expect(status).toBe(201)
    expect(json).toMatchObject({ unread: 1, notification: { kind: 'like', actor: 'Omar Haddad', read: false } })
    await vi.waitFor(() => expect(seen).toEqual(['note:like:Omar Haddad:The quiet cost of polling', 'unread:1']), {
      timeout: 5000,
    })
  })

  test('the unread count is retained: a freshly opened page gets it at once', async () => {
    await post(backend, 'bo/follow', { from: 'Lena Fischer' })
    await post(backend, 'bo/comment', { from: 'Kenji Mori', article: 'Notes', text: 'Great read' })
    const page = await subscriber()
    const count = await page.waitFor(unread, { userId: 'bo' }, { timeoutMs: 5000 })
    expect(count).toEqual({ count: 2 })
  })

  test('mark all read publishes 0 and the list keeps the entries as read', async () => {
    await post(backend, 'cy/like', { from: 'Ann Lee', article: 'Designing for calm software' })
    expect((await post(backend, 'cy/read-all')).json).toEqual({ unread: 0 })
    const page = await subscriber()
    expect(await page.waitFor(unread, { userId: 'cy' }, { timeoutMs: 5000 })).toEqual({ count: 0 })
    const list = (await (await fetch(`${backend.url}/api/users/cy/notifications`)).json()) as {
      notifications: Notification[]
      unread: number
    }
    expect(list.unread).toBe(0)
    expect(list.notifications.map((n) => n.read)).toEqual([true])
  })

  test('bad requests get clear 4xx answers and publish nothing', async () => {
    expect(await post(backend, 'dee/like', { article: 'x' })).toEqual({
      status: 400,
      json: { error: '"from" is required' },
    })
    expect(await post(backend, 'dee/comment', { from: 'Ann', article: 'x' })).toEqual({
      status: 400,
      json: { error: '"text" is required' },
    })
    expect((await post(backend, 'dee/poke', { from: 'Ann' })).status).toBe(404)
    expect((await fetch(`${backend.url}/api/users/dee/like`)).status).toBe(405)
    expect(backend.store.list('dee')).toEqual([])
  })

  test('browsers may call it from another origin (CORS preflight)', async () => {
    const response = await fetch(`${backend.url}/api/users/ann/like`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:3000', 'access-control-request-method': 'POST' },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type')
  })
})

describe('bell backend with a server publisher', () => {
  test("publishes encoded payloads with the topics' QoS and retain flags", async () => {
    const sent: Array<{ topic: string; payload: string; qos?: number; retain?: boolean }> = []
    const publisher: ServerPublisher = defineServerPublisher(async (topic, payload, opts) => {
      sent.push({
        topic,
        payload: typeof payload === 'string' ? payload : new TextDecoder().decode(payload),
        ...opts,
      })
      return { delivered: true }
    })
    const backend = await startBellBackend({ publisher })
    try {
      await post(backend, 'eve/follow', { from: 'Priya Nair' })
      expect(sent.map((s) => [s.topic, s.qos, s.retain])).toEqual([
        ['user/eve/notifications', 1, false],
        ['user/eve/unread', 1, true],
      ])
      expect(JSON.parse(sent[1]!.payload)).toEqual({ count: 1 })
    } finally {
      await backend.close()
    }
  })

  test('without a client or publisher it refuses to start', async () => {
    await expect(startBellBackend({} as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
  })
})
