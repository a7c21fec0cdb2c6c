import { isTidingsError } from '@tidings/core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startDynsecBroker, type DynsecBroker } from './helpers.js'
import { rawControl, type RawControl } from './raw-control.js'

const LONE_SURROGATE = '\udc00'

let env: DynsecBroker
let raw: RawControl
beforeAll(async () => {
  env = await startDynsecBroker()
  raw = await rawControl(env)
})
afterAll(async () => {
  await raw?.close()
  await env?.close()
})

const code = (outcome: PromiseSettledResult<unknown>): string =>
  outcome.status === 'fulfilled' ? 'fulfilled' : isTidingsError(outcome.reason) ? outcome.reason.code : 'other'

describe('createDynsec checks every command before it joins a batch', () => {
  test('raw: one lone surrogate makes Mosquitto drop the whole message, good commands included', async () => {
    const answers = await raw.send(
      [
        { command: 'createRole', rolename: 'raw-good-1' },
        { command: 'createRole', rolename: `raw-bad-${LONE_SURROGATE}` },
        { command: 'createRole', rolename: 'raw-good-2' },
      ],
      1500,
    )
    // Not one command was answered, so each caller would wait for its timeout; none was run.
    expect(answers.byId.size).toBe(0)
    for (const rolename of ['raw-good-1', 'raw-good-2']) {
      const missing = await env.dynsec.getRole(rolename).catch((e: unknown) => e)
      expect(isTidingsError(missing) && missing.code).toBe('NOT_FOUND')
    }
  })

  test('with the check, only the bad command rejects (INVALID_OPTIONS) and the others of the tick succeed', async () => {
    const { dynsec } = env
    const sent: string[] = []
    const onPacket = (packet: { cmd: string; topic?: string; payload?: unknown }): void => {
      if (packet.cmd === 'publish' && packet.topic === '$CONTROL/dynamic-security/v1') sent.push(String(packet.payload))
    }
    dynsec.client.on('packetsend', onPacket)
    try {
      const outcomes = await Promise.allSettled([
        dynsec.createRole({ rolename: 'good-1' }),
        dynsec.createRole({ rolename: `bad-${LONE_SURROGATE}` }),
        dynsec.createClient({ username: 'good-client', password: 'pw', textname: `x${LONE_SURROGATE}` }),
        dynsec.createRole({
          rolename: 'good-2',
          acls: [{ acltype: 'subscribePattern', topic: 'a/\u0000', allow: true }],
        }),
        dynsec.createRole({ rolename: 'good-3' }),
      ])
      expect(outcomes.map(code)).toEqual([
        'fulfilled',
        'INVALID_OPTIONS',
        'INVALID_OPTIONS',
        'INVALID_OPTIONS',
        'fulfilled',
      ])
      expect(sent).toHaveLength(1)
      const rejected = outcomes[1] as PromiseRejectedResult
      expect(String(rejected.reason.message)).toContain('lone UTF-16 surrogate')
      expect(String((outcomes[3] as PromiseRejectedResult).reason.message)).toContain('NUL')
    } finally {
      dynsec.client.off('packetsend', onPacket)
    }
    expect((await dynsec.getRole('good-1')).rolename).toBe('good-1')
    expect((await dynsec.getRole('good-3')).rolename).toBe('good-3')
    for (const gone of [dynsec.getRole('good-2'), dynsec.getClient('good-client')]) {
      const error = await gone.catch((e: unknown) => e)
      expect(isTidingsError(error) && error.code).toBe('NOT_FOUND')
    }
    await Promise.all([dynsec.deleteRole('good-1'), dynsec.deleteRole('good-3')])
  })

  test('execute() sends nothing when one of its commands is bad', async () => {
    const { dynsec } = env
    const error = await dynsec
      .execute([
        { command: 'createRole', rolename: 'exec-good' },
        { command: 'deleteRole', rolename: `exec-${LONE_SURROGATE}` },
      ])
      .catch((e: unknown) => e)
    expect(isTidingsError(error) && error.code).toBe('INVALID_OPTIONS')
    const missing = await dynsec.getRole('exec-good').catch((e: unknown) => e)
    expect(isTidingsError(missing) && missing.code).toBe('NOT_FOUND')
  })

  test('values JSON cannot carry are refused instead of breaking the batch', async () => {
    const { dynsec } = env
    const cyclic: Record<string, unknown> = { command: 'createRole', rolename: 'cyclic' }
    cyclic.self = cyclic
    for (const bad of [
      cyclic,
      { command: 'createRole', rolename: 'nan', priority: Number.NaN },
      { command: 'createRole', rolename: 'big', priority: 1n },
      { command: '' },
      { command: 'createRole', [`key${LONE_SURROGATE}`]: 'x' },
    ]) {
      const error = await dynsec.execute([bad as never]).catch((e: unknown) => e)
      expect(isTidingsError(error) && error.code).toBe('INVALID_OPTIONS')
    }
    // The connection still works.
    expect((await dynsec.listRoles()).totalCount).toBeGreaterThan(0)
  })
})
