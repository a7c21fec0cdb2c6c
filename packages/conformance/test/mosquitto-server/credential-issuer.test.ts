import { isTidingsError, json, text, topic, type ClientState, type TidingsClient } from '@tidings/core'
import {
  createDynsec,
  mosquittoCredentialIssuer,
  mosquittoServerPublisher,
  type MosquittoCredentialIssuer,
} from '@tidings/mosquitto/server'
import type { MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import {
  ADMIN,
  connectBackend,
  eventually,
  sleep,
  startDynsecBroker,
  userClient,
  type DynsecBroker,
} from './helpers.js'

const inbox = topic('user/{userId}/inbox', json<{ n: number }>(), { qos: 1 })
const outbox = topic('user/{userId}/outbox', text(), { qos: 1 })
const request = (userId: string, ttlSeconds = 60) => ({
  userId,
  subscribe: [`user/${userId}/#`],
  publish: [`user/${userId}/outbox`],
  ttlSeconds,
})

let env: DynsecBroker
let issuer: MosquittoCredentialIssuer
let backend: MqttClient
const clients: TidingsClient[] = []
const track = (client: TidingsClient): TidingsClient => {
  clients.push(client)
  return client
}

beforeAll(async () => {
  env = await startDynsecBroker()
  // The background sweep stays off here; tests call sweep() so that timing never decides a result.
  issuer = mosquittoCredentialIssuer(env.dynsec, { sweepIntervalMs: false })
  backend = await connectBackend(env, ['user/#'])
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
})
/** The role a credential holds (one of its own). */
const roleOf = async (username: string | undefined): Promise<string> => {
  if (username === undefined) throw new Error('issued credentials without a username')
  const [role] = (await env.dynsec.getClient(username)).roles
  if (!role) throw new Error(`${username} holds no role`)
  return role.rolename
}
const roleNames = async (): Promise<string[]> => (await env.dynsec.listRoles()).items.map((r) => r.rolename)

afterAll(async () => {
  issuer?.close()
  await backend?.endAsync()
  await env?.close()
})

describe('mosquittoCredentialIssuer on a real Mosquitto', () => {
  test("A's credentials read A's topics and are refused B's (SUBSCRIBE_DENIED, PUBLISH_DENIED)", async () => {
    const a = await issuer.issue(request('alice'))
    await issuer.issue(request('bob'))
    expect(a.username).toBeTruthy()
    expect(a.password.length).toBeGreaterThanOrEqual(24)
    expect(a.expiresAt.getTime()).toBeGreaterThan(Date.now() + 50_000)

    const alice = track(userClient(env.broker, a))
    await alice.connect()
    const got: number[] = []
    await alice.subscribe(inbox, { userId: 'alice' }, (m) => {
      got.push(m.n)
    })
    await mosquittoServerPublisher(backend).publish('user/alice/inbox', JSON.stringify({ n: 1 }))
    await eventually(() => got.length === 1, 5000, 'alice to receive her message')
    expect(got).toEqual([1])

    const denied = await alice.subscribe(inbox, { userId: 'bob' }, () => {}).catch((e: unknown) => e)
    expect(isTidingsError(denied) && denied.code).toBe('SUBSCRIBE_DENIED')
    const wildcard = await alice.subscribe(inbox, {}, () => {}).catch((e: unknown) => e)
    expect(isTidingsError(wildcard) && wildcard.code).toBe('SUBSCRIBE_DENIED')

    await alice.publish(outbox, { userId: 'alice' }, 'mine')
    const refused = await alice.publish(outbox, { userId: 'bob' }, 'not mine').catch((e: unknown) => e)
    expect(isTidingsError(refused) && refused.code).toBe('PUBLISH_DENIED')
    expect(alice.state).toBe('online')
  })

  test('a credential used with another client id is refused with NOT_AUTHORIZED', async () => {
    const creds = await issuer.issue({ ...request('carol'), clientId: 'carol-laptop' })
    expect(creds.clientId).toBe('carol-laptop')
    const wrongId = track(userClient(env.broker, creds, { clientId: 'carol-phone' }))
    const error = await wrongId.connect().catch((e: unknown) => e)
    expect(isTidingsError(error) && error.code).toBe('NOT_AUTHORIZED')
    const rightId = track(userClient(env.broker, creds))
    await rightId.connect()
    expect(rightId.state).toBe('online')
  })

  test('revoke() disconnects a connected client and its credentials stop working', async () => {
    const first = await issuer.issue(request('dave'))
    const second = await issuer.issue(request('dave'))
    const roles = [await roleOf(first.username), await roleOf(second.username)]
    expect(roles[0]).not.toBe(roles[1])
    const dave = track(userClient(env.broker, first))
    const states: ClientState[] = []
    dave.on('state', (s) => {
      states.push(s)
    })
    await dave.connect()
    expect(await issuer.revoke('dave')).toBe(2)
    await eventually(() => dave.state !== 'online', 5000, 'the revoked client to drop')
    expect(states).toContain('offline')
    for (const creds of [first, second]) {
      const again = await track(userClient(env.broker, creds))
        .connect()
        .catch((e: unknown) => e)
      expect(isTidingsError(again) && again.code).toBe('NOT_AUTHORIZED')
    }
    const left = await roleNames()
    for (const role of roles) expect(left).not.toContain(role)
    expect(await issuer.revoke('dave')).toBe(0)
  })

  test('expired credentials are swept: the session drops and the login is refused; live ones stay', async () => {
    let clock = Date.now()
    const timed = mosquittoCredentialIssuer(env.dynsec, { sweepIntervalMs: false, now: () => clock })
    const short = await timed.issue(request('erin', 30))
    const long = await timed.issue(request('erin', 60))
    const [shortRole, longRole] = [await roleOf(short.username), await roleOf(long.username)]
    const expiring = track(userClient(env.broker, short))
    const staying = track(userClient(env.broker, long))
    await expiring.connect()
    await staying.connect()
    expect(await timed.sweep()).toBe(0)
    clock += 30_000
    expect(await timed.sweep()).toBe(1)
    await eventually(() => expiring.state !== 'online', 5000, 'the expired client to drop')
    const again = await track(userClient(env.broker, short))
      .connect()
      .catch((e: unknown) => e)
    expect(isTidingsError(again) && again.code).toBe('NOT_AUTHORIZED')
    // The expired credential's role went with it; the live one keeps its own.
    await sleep(100)
    expect(staying.state).toBe('online')
    expect(await roleNames()).not.toContain(shortRole)
    expect(await roleNames()).toContain(longRole)
  })

  test('the background sweep deletes expired credentials with their roles', async () => {
    const swept: MosquittoCredentialIssuer = mosquittoCredentialIssuer(env.dynsec, { sweepIntervalMs: 200 })
    try {
      const creds = await swept.issue(request('frank', 1))
      const role = await roleOf(creds.username)
      const frank = track(userClient(env.broker, creds))
      await frank.connect()
      await eventually(() => frank.state !== 'online', 5000, 'the background sweep to disconnect frank')
      await eventually(async () => !(await roleNames()).includes(role), 5000, "frank's role to be deleted")
    } finally {
      swept.close()
    }
  })

  test('each credential keeps the grants it was issued with; another issue for the user changes nothing', async () => {
    const wide = await issuer.issue(request('gina'))
    const narrow = await issuer.issue({ ...request('gina'), subscribe: ['user/gina/inbox'] })
    const [wideClient, narrowClient] = [track(userClient(env.broker, wide)), track(userClient(env.broker, narrow))]
    await Promise.all([wideClient.connect(), narrowClient.connect()])
    await wideClient.subscribe(outbox, { userId: 'gina' }, () => {})
    const denied = await narrowClient.subscribe(outbox, { userId: 'gina' }, () => {}).catch((e: unknown) => e)
    expect(isTidingsError(denied) && denied.code).toBe('SUBSCRIBE_DENIED')
    await narrowClient.subscribe(inbox, { userId: 'gina' }, () => {})
    expect([wideClient.state, narrowClient.state]).toEqual(['online', 'online'])
  })

  test('sweeping from several issuers at once deletes each expired credential once and never a live role', async () => {
    let clock = Date.now()
    const now = (): number => clock
    // Each "process" has its own admin connection, as separate backends would.
    const connections = await Promise.all(
      [1, 2, 3].map(() => createDynsec({ url: env.url, username: ADMIN.admin, password: ADMIN.password })),
    )
    const processes = connections.map((d) => mosquittoCredentialIssuer(d, { sweepIntervalMs: false, now }))
    const [first, second] = processes as [MosquittoCredentialIssuer, MosquittoCredentialIssuer]
    const expired = await Promise.all([1, 2, 3].map(() => first.issue(request('hal', 10))))
    clock += 10_000
    // Issues racing the sweeps, from another process, for the same user.
    const racing = Promise.all([1, 2, 3].map(() => second.issue(request('hal', 60))))
    const counts = await Promise.all(processes.map((p) => p.sweep()))
    const live = await racing
    expect(counts.reduce((a, b) => a + b, 0)).toBe(expired.length)
    for (const creds of live) {
      const client = track(userClient(env.broker, creds))
      await client.connect()
      await client.subscribe(inbox, { userId: 'hal' }, () => {})
    }
    const roles = await roleNames()
    for (const creds of live) expect(roles).toContain(await roleOf(creds.username))
    expect(await first.revoke('hal')).toBe(live.length)
    await Promise.all(connections.map((d) => d.close()))
  })

  test('a role left without its credential (a backend stopped half way) is swept once it is old', async () => {
    let clock = Date.now()
    const timed = mosquittoCredentialIssuer(env.dynsec, { sweepIntervalMs: false, now: () => clock })
    const creds = await timed.issue(request('ivy'))
    const role = await roleOf(creds.username)
    // What a crash between the two deletes would leave: the client gone, its role still there.
    await env.dynsec.deleteClient(creds.username as string)
    expect(await timed.sweep()).toBe(0)
    expect(await roleNames()).toContain(role)
    clock += 10 * 60_000
    await timed.sweep()
    expect(await roleNames()).not.toContain(role)
  })

  test('bad requests are refused before reaching the broker', async () => {
    for (const bad of [
      { ...request('x'), userId: '' },
      { ...request('x'), ttlSeconds: 0 },
      { ...request('x'), ttlSeconds: 10 * 86_400 },
      { ...request('x'), clientId: '' },
    ]) {
      const error = await issuer.issue(bad).catch((e: unknown) => e)
      expect(isTidingsError(error) && error.code).toBe('INVALID_OPTIONS')
    }
    const badTopic = await issuer.issue({ ...request('x'), subscribe: ['user/#/x'] }).catch((e: unknown) => e)
    expect(isTidingsError(badTopic) && badTopic.code).toBe('INVALID_TOPIC')
    for (const options of [
      { rolePrefix: 'a/' },
      { usernamePrefix: 'x\u0000' },
      { maxTtlSeconds: 0 },
      { sweepIntervalMs: 0 },
    ]) {
      expect(() => mosquittoCredentialIssuer(env.dynsec, { sweepIntervalMs: false, ...options })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      )
    }
  })
})
