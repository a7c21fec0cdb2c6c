import { grant, isTidingsError, json, topic, type TidingsClient } from '@tidings/core'
import {
  mosquittoCredentialIssuer,
  mosquittoServerPublisher,
  type MosquittoCredentialIssuer,
} from '@tidings/mosquitto/server'
import type { IssuedCredentials } from '@tidings/core'
import type { MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { connectBackend, eventually, startDynsecBroker, userClient, type DynsecBroker } from './helpers.js'
import { rawControl, type RawControl } from './raw-control.js'

// Each attack is shown twice: working when the raw value reaches dynamic security (sent straight to the
// control topic, as any tool building JSON itself would), and refused through the public API.

const inbox = topic('user/{userId}/inbox', json<{ n: number }>(), { qos: 1 })
const request = (userId: string, ttlSeconds = 60) => ({
  userId,
  subscribe: [`user/${userId}/#`],
  publish: [],
  ttlSeconds,
})

let env: DynsecBroker
let raw: RawControl
let issuer: MosquittoCredentialIssuer
let backend: MqttClient
const clients: TidingsClient[] = []
const online = async (creds: IssuedCredentials | { username: string; password: string }): Promise<TidingsClient> => {
  const client = userClient(env.broker, {
    clientId: 'clientId' in creds ? creds.clientId : `raw-${creds.username}`,
    expiresAt: new Date(Date.now() + 60_000),
    ...creds,
  })
  clients.push(client)
  await client.connect()
  return client
}
const code = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => (isTidingsError(e) ? e.code : e),
  )
/** Whether `client` receives what the backend publishes to `user/<owner>/inbox`. */
const reads = async (client: TidingsClient, owner: string): Promise<boolean> => {
  const got: number[] = []
  const sub = await client.subscribe(inbox, { userId: owner }, (m) => {
    got.push(m.n)
  })
  try {
    await mosquittoServerPublisher(backend).publish(inbox, { userId: owner }, { n: 7 })
    await eventually(() => got.length > 0, 3000, `a message on user/${owner}/inbox`)
    return true
  } finally {
    await sub.unsubscribe().catch(() => {})
  }
}
const roleOf = async (username: string | undefined): Promise<string> => {
  if (username === undefined) throw new Error('issued credentials without a username')
  const [role] = (await env.dynsec.getClient(username)).roles
  if (!role) throw new Error(`${username} holds no role`)
  return role.rolename
}

beforeAll(async () => {
  env = await startDynsecBroker()
  raw = await rawControl(env)
  issuer = mosquittoCredentialIssuer(env.dynsec, { sweepIntervalMs: false })
  backend = await connectBackend(env, ['user/#'])
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
})
afterAll(async () => {
  issuer?.close()
  await backend?.endAsync()
  await raw?.close()
  await env?.close()
})

describe('a user id cannot widen or borrow a grant', () => {
  test("NUL: Mosquitto cuts a raw role name at it and hands out alice's role; the API refuses the value", async () => {
    const alice = await issuer.issue(request('alice'))
    const aliceRole = await roleOf(alice.username)

    // Raw: a client "holding" `<alice's role>\0x` is given alice's role and reads her topics.
    const created = await raw.send([
      {
        command: 'createClient',
        username: 'mallory',
        password: 'mallory-pw',
        roles: [{ rolename: `${aliceRole}\u0000x` }],
      },
    ])
    expect(created.byId.get('0')?.error).toBeUndefined()
    expect((await env.dynsec.getClient('mallory')).roles.map((r) => r.rolename)).toEqual([aliceRole])
    expect(await reads(await online({ username: 'mallory', password: 'mallory-pw' }), 'alice')).toBe(true)
    await env.dynsec.deleteClient('mallory')
    // Raw: deleting `victim\0x` deletes `victim` (a role nobody holds: deleting a held one corrupts 2.0.11).
    await env.dynsec.createRole({ rolename: 'victim' })
    expect(
      (await raw.send([{ command: 'deleteRole', rolename: 'victim\u0000x' }])).byId.get('0')?.error,
    ).toBeUndefined()
    expect(await code(env.dynsec.getRole('victim'))).toBe('NOT_FOUND')

    // Through the API the value never reaches the broker.
    expect(await code(issuer.issue(request('alice\u0000x')))).toBe('INVALID_OPTIONS')
    expect(await code(issuer.revoke('alice\u0000x'))).toBe('INVALID_OPTIONS')
    expect(
      await code(
        env.dynsec.createClient({ username: 'mallory', password: 'pw', roles: [{ rolename: `${aliceRole}\u0000x` }] }),
      ),
    ).toBe('INVALID_OPTIONS')
    expect(await code(env.dynsec.deleteRole(`${aliceRole}\u0000x`))).toBe('INVALID_OPTIONS')
    expect(await code(env.dynsec.getClient('mallory'))).toBe('NOT_FOUND')

    // Alice keeps her role and her access.
    expect(await roleOf(alice.username)).toBe(aliceRole)
    expect(await reads(await online(alice), 'alice')).toBe(true)
  })

  test('"+": a raw role built from user/${userId}/# reads every user; the API refuses the user id', async () => {
    await issuer.issue(request('alice'))
    const wide = `user/${'+'}/#`
    await raw.send([
      { command: 'createRole', rolename: 'wide', acls: [{ acltype: 'subscribePattern', topic: wide, allow: true }] },
      { command: 'createClient', username: 'eve', password: 'eve-pw', roles: [{ rolename: 'wide' }] },
    ])
    expect(await reads(await online({ username: 'eve', password: 'eve-pw' }), 'alice')).toBe(true)
    await env.dynsec.deleteClient('eve')
    await env.dynsec.deleteRole('wide')

    expect(await code(issuer.issue({ ...request('+'), subscribe: [wide] }))).toBe('INVALID_OPTIONS')
    expect(await code(Promise.resolve().then(() => grant('user/{userId}/#', { userId: '+' })))).toBe('INVALID_TOPIC')
  })

  test('grants of everything (#, +/#, $SYS/#) and lifetimes above maxTtlSeconds are refused', async () => {
    // Raw: a role granting `#` reads alice's topics.
    await raw.send([
      { command: 'createRole', rolename: 'all', acls: [{ acltype: 'subscribePattern', topic: '#', allow: true }] },
      { command: 'createClient', username: 'trent', password: 'trent-pw', roles: [{ rolename: 'all' }] },
    ])
    expect(await reads(await online({ username: 'trent', password: 'trent-pw' }), 'alice')).toBe(true)
    await env.dynsec.deleteClient('trent')
    await env.dynsec.deleteRole('all')

    for (const filter of ['#', '+/#', '+/+/+', '$SYS/#']) {
      expect(await code(issuer.issue({ ...request('bob'), subscribe: [filter] }))).toBe('INVALID_TOPIC')
      expect(await code(issuer.issue({ ...request('bob'), publish: [filter] }))).toBe('INVALID_TOPIC')
    }
    expect(await code(issuer.issue(request('bob', 86_401)))).toBe('INVALID_OPTIONS')
    const short = mosquittoCredentialIssuer(env.dynsec, { sweepIntervalMs: false, maxTtlSeconds: 60 })
    expect(await code(short.issue(request('bob', 61)))).toBe('INVALID_OPTIONS')
    expect(await code(short.issue(request('bob', 60)))).toBe('resolved')
  })
})

describe('roles never collide and the issuer touches only what it created', () => {
  test('a_b, a-b and A_b get roles of their own; a/b is refused; revoking one leaves the others', async () => {
    const ids = ['a_b', 'a-b', 'A_b']
    const creds = await Promise.all(ids.map((id) => issuer.issue(request(id))))
    const roles = await Promise.all(creds.map((c) => roleOf(c.username)))
    expect(new Set(roles).size).toBe(3)
    expect(await code(issuer.issue(request('a/b')))).toBe('INVALID_OPTIONS')

    const [ab, aDashB, bigAb] = await Promise.all(creds.map((c) => online(c)))
    expect(await code((ab as TidingsClient).subscribe(inbox, { userId: 'a-b' }, () => {}))).toBe('SUBSCRIBE_DENIED')
    expect(await code((bigAb as TidingsClient).subscribe(inbox, { userId: 'a_b' }, () => {}))).toBe('SUBSCRIBE_DENIED')

    expect(await issuer.revoke('a_b')).toBe(1)
    await eventually(() => ab?.state !== 'online', 5000, 'the revoked a_b session to drop')
    expect(await reads(aDashB as TidingsClient, 'a-b')).toBe(true)
    expect(await reads(bigAb as TidingsClient, 'A_b')).toBe(true)
    const left = (await env.dynsec.listRoles()).items.map((r) => r.rolename)
    expect(left).not.toContain(roles[0])
    expect(left).toEqual(expect.arrayContaining([roles[1], roles[2]]))
  })

  test("rolePrefix '' and user id admin leave the existing admin role alone", async () => {
    const before = await env.dynsec.getRole('admin')
    // A per-user role name `${rolePrefix}${userId}` would be `admin`, which exists already.
    expect(await code(env.dynsec.createRole({ rolename: `${''}admin` }))).toBe('ALREADY_EXISTS')

    const bare = mosquittoCredentialIssuer(env.dynsec, { rolePrefix: '', sweepIntervalMs: false })
    const creds = await bare.issue({ ...request('admin'), ttlSeconds: 1 })
    expect(await roleOf(creds.username)).not.toBe('admin')
    expect(await bare.revoke('admin')).toBe(1)
    await bare.issue({ ...request('admin'), ttlSeconds: 1 })
    const later = mosquittoCredentialIssuer(env.dynsec, {
      rolePrefix: '',
      sweepIntervalMs: false,
      now: () => Date.now() + 5000,
    })
    expect(await later.sweep()).toBeGreaterThanOrEqual(1)

    expect(await env.dynsec.getRole('admin')).toEqual(before)
    expect((await env.dynsec.getClient('admin')).roles.map((r) => r.rolename)).toEqual(['admin'])
    expect((await env.dynsec.listClients()).totalCount).toBeGreaterThan(0)
  })

  test('a credential role someone else also holds is left in place when the credential goes', async () => {
    const creds = await issuer.issue(request('kim'))
    const role = await roleOf(creds.username)
    // An operator reuses the role for a group: deleting it would leave the group a dangling reference.
    await env.dynsec.createGroup({ groupname: 'reusers', roles: [{ rolename: role }] })
    expect(await issuer.revoke('kim')).toBe(1)
    expect(await code(env.dynsec.getClient(creds.username as string))).toBe('NOT_FOUND')
    expect((await env.dynsec.getRole(role)).rolename).toBe(role)
    expect(await issuer.sweep()).toBe(0)
    expect((await env.dynsec.getRole(role)).rolename).toBe(role)
    await env.dynsec.deleteGroup('reusers')
    await env.dynsec.deleteRole(role)
  })

  test('a client marked as expired but naming a role the issuer did not create: the client goes, the role stays', async () => {
    await env.dynsec.createRole({ rolename: 'foreign', textdescription: 'made by hand' })
    await env.dynsec.createClient({
      username: 'forged',
      password: 'pw',
      textdescription: JSON.stringify({ 'tidings-credential': { userId: 'x', expiresAt: 0, role: 'foreign' } }),
    })
    expect(await issuer.sweep()).toBeGreaterThanOrEqual(1)
    expect(await code(env.dynsec.getClient('forged'))).toBe('NOT_FOUND')
    expect((await env.dynsec.getRole('foreign')).textdescription).toBe('made by hand')
    await env.dynsec.deleteRole('foreign')
  })
})
