import { createClient, isTidingsError, json, topic, type TidingsClient } from '@tidings/core'
import { emqx } from '@tidings/emqx'
import { emqxCredentialIssuer } from '@tidings/emqx/server'
import { tcp } from '@tidings/transport-node'
import { SignJWT } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { waitUntil } from '../../src/index.js'
import { startEmqxEmulator, type EmqxEmulator } from '../../src/emqx/index.js'

// Each attack is shown twice: a token minted at the lower layer (jose, as a careless backend would)
// gets the wider grant from the emulator, and the issuer refuses to mint it.
const inbox = topic('user/{userId}/inbox', json<{ text: string }>(), { qos: 1 })

let emu5: EmqxEmulator
let emu6: EmqxEmulator
const clients: TidingsClient[] = []

beforeAll(async () => {
  ;[emu5, emu6] = await Promise.all([startEmqxEmulator({ emqxVersion: 5 }), startEmqxEmulator()])
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
})
afterAll(async () => {
  await Promise.all([emu5?.close(), emu6?.close()])
})

/** A token signed directly with jose: whatever claims the caller put in. */
function rawToken(emu: EmqxEmulator, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(emu.secret))
}

function device(emu: EmqxEmulator, username: string, clientId: string, password: string): TidingsClient {
  const client = createClient({
    broker: emqx({
      host: '127.0.0.1',
      ports: { mqtt: emu.broker.tcpPort },
      clientId,
      username,
      password,
    }),
    transport: tcp(),
    protocolVersion: 4,
    connectTimeoutMs: 5000,
    reconnect: false,
  })
  clients.push(client)
  return client
}

function backendPublish(emu: EmqxEmulator, topicName: string, value: unknown): Promise<void> {
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

/** Subscribes `client` to bob's inbox and reports whether bob's message arrived. */
async function readsBobsInbox(emu: EmqxEmulator, client: TidingsClient): Promise<boolean> {
  const got: string[] = []
  try {
    await client.subscribe(inbox, { userId: 'bob' }, (m) => {
      got.push(m.text)
    })
  } catch (error) {
    if (isTidingsError(error) && error.code === 'SUBSCRIBE_DENIED') return false
    throw error
  }
  await backendPublish(emu, 'user/bob/inbox', { text: "bob's secret" })
  await waitUntil(() => got.length === 1, 5000)
  return got[0] === "bob's secret"
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (isTidingsError(e) ? e.code : `not a TidingsError: ${String(e)}`),
  )
}

const denyAll = { permission: 'deny', action: 'all', topic: '#' }
const ownInbox = (user: string) => [{ permission: 'allow', action: 'subscribe', topic: `user/${user}/#` }, denyAll]

describe('grants cannot be widened through the issuer', () => {
  test('is_superuser: a raw token with it bypasses a deny-all ACL; the issuer refuses the claim', async () => {
    const token = await rawToken(emu6, { username: 'ann', clientid: 'c-ann', acl: ownInbox('ann'), is_superuser: true })
    const ann = device(emu6, 'ann', 'c-ann', token)
    await ann.connect()
    expect(await readsBobsInbox(emu6, ann)).toBe(true)
    // EMQX reads `1` and `"1"` as true too.
    for (const [i, value] of [1, '1'].entries()) {
      const clientid = `c-ann-${i}`
      const other = device(
        emu6,
        'ann',
        clientid,
        await rawToken(emu6, { username: 'ann', clientid, acl: ownInbox('ann'), is_superuser: value }),
      )
      await other.connect()
      expect(await readsBobsInbox(emu6, other)).toBe(true)
    }

    expect(() => emqxCredentialIssuer({ secret: emu6.secret, claims: { is_superuser: true } })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    )
    // Without the claim the same grant stays confined.
    const issued = await emqxCredentialIssuer({ secret: emu6.secret }).issue({
      userId: 'ann',
      subscribe: ['user/ann/#'],
      publish: [],
      ttlSeconds: 600,
    })
    const confined = device(emu6, issued.username!, issued.clientId, issued.password!)
    await confined.connect()
    expect(await readsBobsInbox(emu6, confined)).toBe(false)
  })

  test("user id '+': `user/${userId}/#` as a raw token reads every inbox; the issuer refuses it", async () => {
    const token = await rawToken(emu6, { username: '+', clientid: 'c-plus', acl: ownInbox('+') })
    const plus = device(emu6, '+', 'c-plus', token)
    await plus.connect()
    expect(await readsBobsInbox(emu6, plus)).toBe(true)

    const issuer = emqxCredentialIssuer({ secret: emu6.secret })
    const request = (userId: string) => ({ userId, subscribe: [`user/${userId}/#`], publish: [], ttlSeconds: 600 })
    expect(await codeOf(issuer.issue(request('+')))).toBe('INVALID_OPTIONS')
    expect(await codeOf(issuer.issue({ ...request('ann'), subscribe: ['+/+/+'] }))).toBe('INVALID_TOPIC')
  })

  test('+/+/+: a raw token with it reads every three-level topic; the issuer refuses it', async () => {
    const acl = [{ permission: 'allow', action: 'subscribe', topic: '+/+/+' }, denyAll]
    const token = await rawToken(emu6, { username: 'eve', clientid: 'c-eve', acl })
    const eve = device(emu6, 'eve', 'c-eve', token)
    await eve.connect()
    expect(await readsBobsInbox(emu6, eve)).toBe(true)
    const issue = emqxCredentialIssuer({ secret: emu6.secret }).issue({
      userId: 'eve',
      subscribe: ['+/+/+'],
      publish: [],
      ttlSeconds: 600,
    })
    expect(await codeOf(issue)).toBe('INVALID_TOPIC')
  })
})

describe('the emulator is as strict as EMQX', () => {
  test('one malformed ACL rule refuses the whole token as bad credentials, as EMQX does', async () => {
    const typos = [
      { permission: 'alow', action: 'subscribe', topic: 'user/ann/#' },
      { permission: 'allow', action: 'subscibe', topic: 'user/ann/#' },
      { permission: 'allow', action: 'subscribe' },
      { permission: 'allow', action: 'publish', topic: 'user/ann/up', qos: 3 },
      { permission: 'allow', action: 'publish', topic: 'user/ann/up', retain: 'yes' },
      { action: 'subscribe', topic: 'user/ann/#' },
      'allow subscribe user/ann/#',
    ]
    for (const [i, typo] of typos.entries()) {
      const token = await rawToken(emu6, { username: 'ann', clientid: `c-typo-${i}`, acl: [typo, ...ownInbox('ann')] })
      const client = device(emu6, 'ann', `c-typo-${i}`, token)
      expect(await codeOf(client.connect())).toBe('NOT_AUTHORIZED')
    }
    // EMQX's aliases and qos/retain spellings are accepted.
    const fine = [
      { permission: 'allow', action: 'sub', topic: 'user/ann/#', qos: '0,1' },
      { permission: 'allow', action: 'pub', topics: ['user/ann/up'], qos: 1, retain: 'false' },
      denyAll,
    ]
    const token = await rawToken(emu6, { username: 'ann', clientid: 'c-fine', acl: fine })
    const client = device(emu6, 'ann', 'c-fine', token)
    await client.connect()
    expect(client.state).toBe('online')
  })

  test('no_match: EMQX 5 allows what no rule matched, EMQX 6 (the default) denies it', async () => {
    const withoutDenyAll = [{ permission: 'allow', action: 'subscribe', topic: 'user/ann/#' }]
    const on5 = device(
      emu5,
      'ann',
      'c-v5',
      await rawToken(emu5, { username: 'ann', clientid: 'c-v5', acl: withoutDenyAll }),
    )
    await on5.connect()
    expect(await readsBobsInbox(emu5, on5)).toBe(true)
    const on6 = device(
      emu6,
      'ann',
      'c-v6',
      await rawToken(emu6, { username: 'ann', clientid: 'c-v6', acl: withoutDenyAll }),
    )
    await on6.connect()
    expect(await readsBobsInbox(emu6, on6)).toBe(false)
  })
})
