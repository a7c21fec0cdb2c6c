import { isTidingsError } from '@tidings/core'
import { connectMqtt, createDynsec } from '@tidings/mosquitto/server'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ADMIN, startDynsecBroker, type DynsecBroker } from './helpers.js'

let env: DynsecBroker
beforeAll(async () => {
  env = await startDynsecBroker()
})
afterAll(async () => {
  await env?.close()
})

describe('createDynsec on a real Mosquitto', () => {
  test('creates, reads, lists and deletes clients, roles and groups', async () => {
    const { dynsec } = env
    await dynsec.createRole({
      rolename: 'r-crud',
      acls: [{ acltype: 'subscribePattern', topic: 'crud/#', allow: true, priority: 3 }],
    })
    await dynsec.addRoleACL('r-crud', { acltype: 'publishClientSend', topic: 'crud/up', allow: true })
    await dynsec.createClient({
      username: 'u-crud',
      password: 'pw',
      clientid: 'c-crud',
      textdescription: 'hello',
      roles: [{ rolename: 'r-crud' }],
    })
    await dynsec.createGroup({ groupname: 'g-crud' })
    await dynsec.addGroupClient('g-crud', 'u-crud')
    await dynsec.addGroupRole('g-crud', 'r-crud')

    const client = await dynsec.getClient('u-crud')
    expect(client).toMatchObject({
      username: 'u-crud',
      clientid: 'c-crud',
      textdescription: 'hello',
      roles: [{ rolename: 'r-crud' }],
      groups: [{ groupname: 'g-crud' }],
    })
    const role = await dynsec.getRole('r-crud')
    expect(role.acls).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ acltype: 'subscribePattern', topic: 'crud/#', allow: true, priority: 3 }),
        expect.objectContaining({ acltype: 'publishClientSend', topic: 'crud/up', allow: true }),
      ]),
    )
    expect((await dynsec.getGroup('g-crud')).clients).toEqual([expect.objectContaining({ username: 'u-crud' })])
    const clients = await dynsec.listClients()
    expect(clients.totalCount).toBe(2) // admin + u-crud
    expect(clients.items.map((c) => c.username).sort()).toEqual(['admin', 'u-crud'])
    expect((await dynsec.listRoles()).items.map((r) => r.rolename)).toContain('r-crud')
    expect((await dynsec.listGroups()).items.map((g) => g.groupname)).toEqual(['g-crud'])

    await dynsec.removeRoleACL('r-crud', 'publishClientSend', 'crud/up')
    expect((await dynsec.getRole('r-crud')).acls).toHaveLength(1)
    await dynsec.removeGroupRole('g-crud', 'r-crud')
    await dynsec.removeGroupClient('g-crud', 'u-crud')
    await dynsec.deleteGroup('g-crud')
    await dynsec.deleteClient('u-crud')
    await dynsec.deleteRole('r-crud')
    expect((await dynsec.listClients()).items.map((c) => c.username)).toEqual(['admin'])
  })

  test('a failed command rejects with the plugin message and a stable code', async () => {
    const { dynsec } = env
    const notFound = await dynsec.getClient('nobody').catch((e: unknown) => e)
    expect(isTidingsError(notFound) && notFound.code).toBe('NOT_FOUND')
    expect(String((notFound as Error).message)).toContain('Client not found')

    await dynsec.createRole({ rolename: 'r-dup' })
    const dup = await dynsec.createRole({ rolename: 'r-dup' }).catch((e: unknown) => e)
    expect(isTidingsError(dup) && dup.code).toBe('ALREADY_EXISTS')
    expect(String((dup as Error).message)).toContain('Role already exists')
    await dynsec.deleteRole('r-dup')

    const [unknown] = await dynsec.execute([{ command: 'frobnicate' }])
    expect(unknown).toEqual({ command: 'frobnicate', error: 'Unknown command' })
  })

  test('commands of one tick travel in one message and settle one by one', async () => {
    const { dynsec } = env
    const sent: string[] = []
    const onPacket = (packet: { cmd: string; topic?: string }): void => {
      if (packet.cmd === 'publish' && packet.topic === '$CONTROL/dynamic-security/v1') sent.push(packet.topic)
    }
    dynsec.client.on('packetsend', onPacket)
    try {
      const outcomes = await Promise.allSettled([
        dynsec.createRole({ rolename: 'r-batch' }),
        dynsec.createRole({ rolename: 'r-batch' }),
        dynsec.getRole('r-batch'),
        dynsec.deleteRole('r-batch'),
      ])
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
      expect(sent).toHaveLength(1)
    } finally {
      dynsec.client.off('packetsend', onPacket)
    }
  })

  test('default ACL access round-trips', async () => {
    const { dynsec } = env
    const before = await dynsec.getDefaultACLAccess()
    expect(before).toEqual(
      expect.arrayContaining([
        { acltype: 'subscribe', allow: false },
        { acltype: 'publishClientSend', allow: false },
      ]),
    )
    await dynsec.setDefaultACLAccess([{ acltype: 'unsubscribe', allow: false }])
    expect(await dynsec.getDefaultACLAccess()).toContainEqual({ acltype: 'unsubscribe', allow: false })
    await dynsec.setDefaultACLAccess(before)
    expect(await dynsec.getAnonymousGroup()).toBe('')
  })

  test('a wrong admin password or an account without control rights is refused', async () => {
    const wrong = await createDynsec({ url: env.url, username: ADMIN.admin, password: 'wrong' }).catch(
      (e: unknown) => e,
    )
    expect(isTidingsError(wrong) && wrong.code).toBe('NOT_AUTHORIZED')

    await env.dynsec.createClient({ username: 'plain', password: 'plain-pw' })
    const plain = await createDynsec({ url: env.url, username: 'plain', password: 'plain-pw' }).catch((e: unknown) => e)
    expect(isTidingsError(plain) && plain.code).toBe('NOT_AUTHORIZED')
    await env.dynsec.deleteClient('plain')
  })

  test('an unreachable broker rejects with CONNECTION_REFUSED, a bad URL with INVALID_OPTIONS', async () => {
    const closedPort = env.broker.authPort === 1 ? 2 : 1
    const unreachable = await connectMqtt({ url: `mqtt://127.0.0.1:${closedPort}`, connectTimeoutMs: 3000 }).catch(
      (e: unknown) => e,
    )
    expect(isTidingsError(unreachable) && unreachable.code).toBe('CONNECTION_REFUSED')
    const bad = await connectMqtt({ url: 'http://127.0.0.1:1' }).catch((e: unknown) => e)
    expect(isTidingsError(bad) && bad.code).toBe('INVALID_OPTIONS')
  })

  test('close() rejects commands still waiting with CLIENT_CLOSED', async () => {
    const own = await createDynsec({ url: env.url, username: ADMIN.admin, password: ADMIN.password })
    const waiting = own.listClients().then(
      () => undefined,
      (e: unknown) => e,
    )
    await own.close()
    const error = await waiting
    // The answer may have beaten close(); if not, it must be CLIENT_CLOSED.
    if (error !== undefined) expect(isTidingsError(error) && error.code).toBe('CLIENT_CLOSED')
    const after = await own.listClients().catch((e: unknown) => e)
    expect(isTidingsError(after) && after.code).toBe('CLIENT_CLOSED')
  })
})
