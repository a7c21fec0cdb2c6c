import { createClient, isTidingsError, text, topic, type TidingsClient } from '@tidings/core'
import { emqx } from '@tidings/emqx'
import { createEmqxApi, type EmqxApi } from '@tidings/emqx/server'
import { tcp } from '@tidings/transport-node'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { waitUntil } from '../../src/index.js'
import {
  routerSegments,
  startEmqxContractServer,
  startEmqxEmulator,
  type EmqxContractServer,
  type EmqxEmulator,
} from '../../src/emqx/index.js'

const apiKey = 'hardening-key'
const apiSecret = 'hardening-secret-do-not-log'
const basic = `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`

let emu: EmqxEmulator
let rest: EmqxContractServer
let brokenDispatch = true
const clients: TidingsClient[] = []
const deviceTopic = topic('device/{id}/{leaf}', text(), { qos: 1 })

beforeAll(async () => {
  emu = await startEmqxEmulator()
  rest = await startEmqxContractServer({
    broker: emu.broker,
    emulation: emu.emulation,
    apiKey,
    apiSecret,
    failDispatch: (topic) => brokenDispatch && topic.startsWith('device/broken/'),
  })
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
})
afterAll(async () => {
  await rest?.close()
  await emu?.close()
})

const api = (extra: Partial<Parameters<typeof createEmqxApi>[0]> = {}): EmqxApi =>
  createEmqxApi({ baseUrl: rest.baseUrl, apiKey, apiSecret, ...extra })

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string } | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) =>
      isTidingsError(e) ? { code: e.code, message: e.message } : { code: 'not a TidingsError', message: String(e) },
  )
}

/** A device subscribed to `device/<id>/#`, collecting payloads as text. */
async function device(id: string): Promise<string[]> {
  const issued = await emu.issuer.issue({ userId: id, subscribe: [`device/${id}/#`], publish: [], ttlSeconds: 600 })
  const client = createClient({
    broker: emqx({
      host: '127.0.0.1',
      ports: { mqtt: emu.broker.tcpPort },
      clientId: issued.clientId,
      username: issued.username,
      password: issued.password,
    }),
    transport: tcp(),
    protocolVersion: 4,
    reconnect: false,
  })
  clients.push(client)
  await client.connect()
  const got: string[] = []
  await client.subscribe(deviceTopic, { id }, (payload) => {
    got.push(payload)
  })
  return got
}

/** One request sent byte for byte, without fetch's own dot-segment removal. */
function rawRequest(method: string, path: string): Promise<number> {
  const { port } = new URL(rest.baseUrl)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { authorization: basic } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('REST path segments', () => {
  test('the router reads paths as cowboy does: segments decoded, then dot segments removed', () => {
    expect(routerSegments('/api/v5/clients/%2E%2E/authorization/cache')).toEqual([
      'api',
      'v5',
      'authorization',
      'cache',
    ])
    expect(routerSegments('/api/v5/clients/./x/')).toEqual(['api', 'v5', 'clients', 'x'])
    expect(routerSegments('/api/v5/clients/a%2Fb')).toEqual(['api', 'v5', 'clients', 'a/b'])
    expect(routerSegments('/api/v5/clients/%zz')).toBeUndefined()
  })

  test("'..' as a client id reaches the whole cluster's authorization cache at the lower layer", async () => {
    // What clearAuthzCache('..') used to send: fetch removes the dot segment before sending.
    const viaFetch = await fetch(`${rest.baseUrl}/api/v5/clients/../authorization/cache`, {
      method: 'DELETE',
      headers: { authorization: basic },
    })
    expect(viaFetch.status).toBe(204)
    expect(rest.requests.at(-1)).toBe('DELETE /api/v5/authorization/cache')
    // Percent-encoding does not help: EMQX's router decodes, then removes dot segments.
    expect(await rawRequest('DELETE', '/api/v5/clients/%2E%2E/authorization/cache')).toBe(204)
    expect(rest.authzCacheClears.slice(-2)).toEqual(['cluster', 'cluster'])
    // What kick('..') used to send.
    const kick = await fetch(`${rest.baseUrl}/api/v5/clients/..`, {
      method: 'DELETE',
      headers: { authorization: basic },
    })
    expect(kick.status).toBe(404)
    expect(rest.requests.at(-1)).toBe('DELETE /api/v5')
  })

  test('the API refuses dot segments and other unsafe ids before any request is sent', async () => {
    const requests = rest.requests.length
    const clears = rest.authzCacheClears.length
    for (const id of ['..', '.', '%2E%2E', 'a/b', '', 'x'.repeat(1025), 'a\u0000b']) {
      for (const call of [
        () => api().clearAuthzCache(id),
        () => api().kick(id),
        () => api().getClient(id),
        () => api().subscribeClient(id, { topic: 'a' }),
        () => api().unsubscribeClient(id, 'a'),
        () => api().kickBulk(['ok-id', id]),
        () => api({ apiVersion: 4 }).clearAuthzCache(id),
        () => api({ apiVersion: 4 }).kick(id),
      ]) {
        expect((await errorOf(call()))?.code).toBe('INVALID_OPTIONS')
      }
    }
    expect(rest.requests.length).toBe(requests)
    expect(rest.authzCacheClears.length).toBe(clears)
  })

  test('apiVersion names the REST API version; the old `version` option is refused', () => {
    expect(api().apiVersion).toBe(5)
    expect(api({ apiVersion: 4 }).apiVersion).toBe(4)
    expect(() => createEmqxApi({ baseUrl: rest.baseUrl, apiKey, apiSecret, version: 4 } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('apiVersion') }),
    )
  })
})

describe('bulk publish with per-message results', () => {
  test('503: delivered ids are returned, the failed message carries its error, a retry sends only that one', async () => {
    const got = await device('bulk1')
    brokenDispatch = true
    const messages = [
      { topic: 'device/bulk1/a', payload: 'first', qos: 1 as const },
      { topic: 'device/broken/x', payload: 'lost', qos: 1 as const },
      { topic: 'device/nobody/b', payload: 'unheard', qos: 1 as const },
    ]
    const results = await api().publishBulk(messages)
    expect(results[0]).toEqual({ id: expect.stringMatching(/^[0-9A-F]{32}$/), delivered: true })
    expect(results[1]?.error).toMatchObject({ code: 'API_UNAVAILABLE', status: 503, reasonCode: 131 })
    expect(results[2]).toEqual({ delivered: false })

    brokenDispatch = false
    const retry = messages.filter((_, i) => results[i]?.error)
    expect(retry.map((m) => m.payload)).toEqual(['lost'])
    expect(await api().publishBulk(retry)).toEqual([{ delivered: false }])
    // A marker after the retry: once it arrives, a duplicate of `first` would have arrived before it.
    await api().publish({ topic: 'device/bulk1/end', payload: 'end', qos: 1 })
    await waitUntil(() => got.includes('end'), 5000)
    expect(got).toEqual(['first', 'end'])
  })

  test('nothing published: rejects; a later run failing as a whole marks it and the unsent rest', async () => {
    brokenDispatch = true
    expect(await errorOf(api().publishBulk([{ topic: 'device/broken/y', payload: 'x' }]))).toMatchObject({
      code: 'API_UNAVAILABLE',
    })
    const got = await device('bulk2')
    let calls = 0
    // The second request never reaches the API (a dropped connection).
    const flaky: typeof fetch = (input, init) => {
      calls += 1
      return calls === 2 ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init)
    }
    const results = await api({ bulkSize: 1, fetch: flaky }).publishBulk([
      { topic: 'device/bulk2/a', payload: 'one' },
      { topic: 'device/bulk2/b', payload: 'two' },
      { topic: 'device/bulk2/c', payload: 'three' },
    ])
    expect(calls).toBe(2)
    expect(results[0]).toMatchObject({ delivered: true })
    expect(results[1]?.error?.code).toBe('API_UNAVAILABLE')
    expect(results[2]?.error?.message).toMatch(/not sent/)
    await waitUntil(() => got.length === 1, 5000)
    expect(got).toEqual(['one'])
  })

  test('a bad message anywhere is refused before the first request', async () => {
    const requests = rest.requests.length
    const bad = [
      { topic: 'device/x/a', payload: 'ok' },
      { topic: '', payload: 'bad' },
    ]
    expect((await errorOf(api({ bulkSize: 1 }).publishBulk(bad)))?.code).toBe('INVALID_TOPIC')
    expect(rest.requests.length).toBe(requests)
  })
})

describe('secrets stay out of errors', () => {
  let echo: Server
  let echoUrl: string
  beforeAll(async () => {
    // A misconfigured proxy: answers 502 with the request's headers and 5 KB of padding.
    echo = createServer((req, res) => {
      const headers = Object.entries(req.headers)
        .map(([name, value]) => `${name}: ${String(value)}`)
        .join('\n')
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`Bad gateway\n${headers}\n${'.'.repeat(5000)}`)
    })
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
    echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    echo.closeAllConnections()
    await new Promise<void>((resolve) => echo.close(() => resolve()))
  })

  test('an echoing proxy: the raw body holds the Basic credentials; the error does not', async () => {
    const raw = await (await fetch(`${echoUrl}/api/v5/publish`, { headers: { authorization: basic } })).text()
    expect(raw).toContain(basic)
    expect(raw.length).toBeGreaterThan(5000)

    const echoApi = createEmqxApi({ baseUrl: echoUrl, apiKey, apiSecret })
    for (const call of [
      () => echoApi.publish({ topic: 'a/b', payload: 'x' }),
      () => echoApi.publishBulk([{ topic: 'a/b', payload: 'x' }]),
      () => echoApi.kick('some-client'),
      () => echoApi.listClients(),
    ]) {
      const error = await errorOf(call())
      expect(error?.code).toBe('API_UNAVAILABLE')
      expect(error?.message.length).toBeLessThan(800)
      expect(error?.message).toContain('Bad gateway')
      expect(error?.message).not.toContain(basic.slice(6))
      expect(error?.message).not.toContain(apiSecret)
    }
  })

  test('credentials in baseUrl are refused, and not repeated in the message', () => {
    let message = ''
    try {
      createEmqxApi({ baseUrl: `http://admin:${apiSecret}@127.0.0.1:18083`, apiKey, apiSecret })
    } catch (error) {
      expect(isTidingsError(error) && error.code).toBe('INVALID_OPTIONS')
      message = String((error as Error).message)
    }
    expect(message).toMatch(/user:password/)
    expect(message).not.toContain(apiSecret)
  })
})
