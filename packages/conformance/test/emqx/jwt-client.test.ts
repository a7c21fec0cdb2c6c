import {
  createClient,
  isTidingsError,
  json,
  topic,
  type ClientOptions,
  type ClientState,
  type TidingsClient,
  type Transport,
} from '@tidings/core'
import { emqx, jwtAuth, type FetchedToken } from '@tidings/emqx'
import { emqxCredentialIssuer } from '@tidings/emqx/server'
import { websocket } from '@tidings/transport-ws'
import { SignJWT, decodeJwt } from 'jose'
import { WebSocket } from 'ws'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { pause, waitUntil } from '../../src/index.js'
import { startEmqxEmulator, type EmqxEmulator } from '../../src/emqx/index.js'

// Browser-style clients: WebSocket (the `ws` package standing in for the browser's), a JWT from "the
// backend" as the password. aedes speaks MQTT 3.1.1 only, hence protocolVersion 4.
const inbox = topic('user/{userId}/inbox', json<{ text: string }>(), { qos: 1 })
const grant = (userId: string) => ({ userId, subscribe: [`user/${userId}/#`], publish: [`user/${userId}/#`] })

let emu: EmqxEmulator
const clients: TidingsClient[] = []

beforeAll(async () => {
  // EMQX 5's defaults (`no_match = allow`): the deployment the deny-all rule protects.
  emu = await startEmqxEmulator({ emqxVersion: 5 })
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
})
afterAll(async () => {
  await emu?.close()
})

function browserClient(fetchToken: () => Promise<FetchedToken>, extra: Partial<ClientOptions> = {}): TidingsClient {
  const client = createClient({
    broker: emqx({ host: '127.0.0.1', ports: { ws: emu.broker.wsPort }, credentials: jwtAuth({ fetchToken }) }),
    transport: websocket({ WebSocket }),
    protocolVersion: 4,
    connectTimeoutMs: 5000,
    reconnect: { baseMs: 50, capMs: 300 },
    ...extra,
  })
  clients.push(client)
  return client
}

const issue = (userId: string, ttlSeconds = 600) => emu.issuer.issue({ ...grant(userId), ttlSeconds })

/** Publishes from the broker itself, as a backend would through the REST API. */
function backendPublish(topicName: string, value: unknown): Promise<void> {
  return new Promise((resolve, reject) =>
    emu.broker.aedes.publish(
      {
        cmd: 'publish',
        topic: topicName,
        payload: Buffer.from(JSON.stringify(value)),
        qos: 1,
        retain: false,
        dup: false,
      },
      (e?: Error | null) => (e ? reject(e) : resolve()),
    ),
  )
}

async function errorOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (isTidingsError(e) ? e.code : `not a TidingsError: ${String(e)}`),
  )
}

describe('a browser-style client with jwtAuth on the EMQX emulator', () => {
  test("may subscribe to its own topics and is refused another user's (SUBSCRIBE_DENIED)", async () => {
    const ann = browserClient(() => issue('ann'))
    await ann.connect()
    expect(ann.clientId).toMatch(/^web-/)
    const got: string[] = []
    await ann.subscribe(inbox, { userId: 'ann' }, (m) => {
      got.push(m.text)
    })
    expect(await errorOf(ann.subscribe(inbox, { userId: 'bob' }, () => {}))).toBe('SUBSCRIBE_DENIED')
    // A wildcard over every user is refused too: `user/+/inbox` is not covered by `user/ann/#`.
    expect(await errorOf(ann.subscribe(inbox, {}, () => {}))).toBe('SUBSCRIBE_DENIED')
    await backendPublish('user/ann/inbox', { text: 'hi ann' })
    await waitUntil(() => got.length === 1, 5000)
    expect(got).toEqual(['hi ann'])
    expect(ann.state).toBe('online')
  })

  test("the same token without the trailing deny-all would have read another user's inbox", async () => {
    // Re-sign ann's real token with its last rule removed: everything else is identical.
    const withoutDenyAll = async (): Promise<string> => {
      const issued = await issue('ann')
      const claims = decodeJwt(issued.password)
      const acl = claims.acl as Array<{ permission: string; action: string; topic: string }>
      expect(acl.at(-1)).toEqual({ permission: 'deny', action: 'all', topic: '#' })
      return new SignJWT({ ...claims, acl: acl.slice(0, -1) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(new TextEncoder().encode(emu.secret))
    }
    const ann = browserClient(withoutDenyAll)
    await ann.connect()
    const stolen: string[] = []
    // No rule matches `user/bob/inbox`, so EMQX 5 falls through to `no_match = allow`.
    await ann.subscribe(inbox, { userId: 'bob' }, (m) => {
      stolen.push(m.text)
    })
    await backendPublish('user/bob/inbox', { text: "bob's secret" })
    await waitUntil(() => stolen.length === 1, 5000)
    expect(stolen).toEqual(["bob's secret"])
  })

  test('the map-format ACL is a whitelist: no deny-all needed', async () => {
    const issuer = emqxCredentialIssuer({ secret: emu.secret, aclFormat: 'map' })
    const ann = browserClient(() => issuer.issue({ ...grant('ann'), ttlSeconds: 600 }))
    await ann.connect()
    await ann.subscribe(inbox, { userId: 'ann' }, () => {})
    expect(await errorOf(ann.subscribe(inbox, { userId: 'bob' }, () => {}))).toBe('SUBSCRIBE_DENIED')
  })

  test("a publish to another user's topic is dropped silently (MQTT 3.1.1, deny_action = ignore)", async () => {
    const [ann, bob] = [browserClient(() => issue('ann')), browserClient(() => issue('bob'))]
    await Promise.all([ann.connect(), bob.connect()])
    const bobGot: string[] = []
    const annGot: string[] = []
    await bob.subscribe(inbox, { userId: 'bob' }, (m) => {
      bobGot.push(m.text)
    })
    await ann.subscribe(inbox, { userId: 'ann' }, (m) => {
      annGot.push(m.text)
    })
    await ann.publish(inbox, { userId: 'bob' }, { text: 'spoofed' })
    // Ann's allowed publish after the denied one proves the broker handled both before we look.
    await ann.publish(inbox, { userId: 'ann' }, { text: 'marker' })
    await waitUntil(() => annGot.length === 1, 5000)
    await pause(100)
    expect(bobGot).toEqual([])
    expect(ann.state).toBe('online')
  })

  test('refused tokens: bad signature, expired, or used under another client id → NOT_AUTHORIZED', async () => {
    const forged = emqxCredentialIssuer({ secret: 'not-the-broker-secret-but-32-bytes-long' })
    expect(await errorOf(browserClient(() => forged.issue({ ...grant('ann'), ttlSeconds: 600 })).connect())).toBe(
      'NOT_AUTHORIZED',
    )
    const stale = emqxCredentialIssuer({ secret: emu.secret, now: () => Date.now() - 120_000 })
    expect(await errorOf(browserClient(() => stale.issue({ ...grant('ann'), ttlSeconds: 60 })).connect())).toBe(
      'NOT_AUTHORIZED',
    )
    // verify_claims { clientid = "${clientid}" }: a stolen token does not work under another id.
    expect(
      await errorOf(
        browserClient(async () => ({ password: (await issue('ann')).password, clientId: 'web-thief' })).connect(),
      ),
    ).toBe('NOT_AUTHORIZED')
  })

  test('at exp the broker kicks the client, which reconnects with a fresh token and keeps its subscriptions', async () => {
    const issued: Array<{ at: number; expiresAt: Date }> = []
    const ann = browserClient(async () => {
      // The first token lives 2 s; later ones long enough to finish the test.
      const creds = await issue('ann', issued.length === 0 ? 2 : 600)
      issued.push({ at: Date.now(), expiresAt: creds.expiresAt })
      return creds
    })
    const states: Array<{ state: ClientState; at: number }> = []
    ann.on('state', (state) => {
      states.push({ state, at: Date.now() })
    })
    await ann.connect()
    const got: string[] = []
    await ann.subscribe(inbox, { userId: 'ann' }, (m) => {
      got.push(m.text)
    })
    await waitUntil(
      () => issued.length >= 2 && ann.state === 'online',
      10_000,
      () => `state ${ann.state}, tokens ${issued.length}`,
    )
    const kicked = states.find((s) => s.state === 'reconnecting')!
    // Kicked at exp, not before (exp has one-second resolution).
    expect(kicked.at).toBeGreaterThanOrEqual(issued[0]!.expiresAt.getTime() - 50)
    expect(issued[1]!.at).toBeGreaterThanOrEqual(kicked.at)
    for (let i = 0; i < 50 && got.length === 0; i++) {
      await backendPublish('user/ann/inbox', { text: `after-${i}` })
      await pause(100)
    }
    expect(got[0]).toMatch(/^after-/)
  })
})

describe("EMQX's WebSocket handshake rule", () => {
  const offer = (url: string, protocols: string[]) =>
    new Promise<{ status?: number; protocol?: string }>((resolve) => {
      const ws = new WebSocket(url, protocols)
      ws.on('unexpected-response', (_req, res) => {
        resolve({ status: res.statusCode })
        ws.terminate()
      })
      ws.on('open', () => {
        resolve({ protocol: ws.protocol })
        ws.close()
      })
      ws.on('error', () => {})
    })

  test('HTTP 400 without an accepted subprotocol; mqtt is echoed', async () => {
    expect(await offer(emu.broker.wsUrl, [])).toEqual({ status: 400 })
    expect(await offer(emu.broker.wsUrl, ['mqttv3.1'])).toEqual({ status: 400 })
    expect(await offer(emu.broker.wsUrl, ['mqtt'])).toEqual({ protocol: 'mqtt' })
  })

  test('MQTT 3.1 over WebSocket is refused: the client reports WS_HANDSHAKE_FAILED with status 400', async () => {
    const ws = websocket({ WebSocket })
    const legacy: Transport = {
      ...ws,
      open: (endpoint, opts) => ws.open(endpoint, { ...opts, protocols: ['mqttv3.1'] }),
    }
    const client = browserClient(() => issue('ann'), { transport: legacy })
    const error = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isTidingsError(error) && { code: error.code, status: error.status }).toEqual({
      code: 'WS_HANDSHAKE_FAILED',
      status: 400,
    })
  })

  test('with fail_if_no_subprotocol = false, legacy mini-program code without a subprotocol gets in', async () => {
    const lenient = await startEmqxEmulator({ failIfNoSubprotocol: false })
    try {
      expect(await offer(lenient.broker.wsUrl, [])).toEqual({ protocol: '' })
    } finally {
      await lenient.close()
    }
  })
})
