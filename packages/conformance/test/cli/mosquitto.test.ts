import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'
import { assertBuilt, runCli, startCli } from './run-cli.js'

// The built `tidings` binary against a real Mosquitto with a password-protected listener.
let broker: MosquittoFixture
let url: string
let dir: string
const auth = (): string[] => ['--broker', 'mosquitto', '--url', url, '-u', 'alice']
const env = { TIDINGS_PASSWORD: 'alice-pw' }

beforeAll(async () => {
  assertBuilt()
  broker = await spawnMosquitto()
  url = `mqtt://127.0.0.1:${broker.authPort}`
  dir = mkdtempSync(join(tmpdir(), 'tidings-cli-'))
})
afterAll(async () => {
  await broker?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('tidings sub / pub against Mosquitto', () => {
  it('round trip: --count ends sub, --jsonl gives topic, payload, params', async () => {
    const sub = startCli(['sub', 'cli/{user}/inbox', ...auth(), '--jsonl', '-f', 'json', '-q', '1', '-C', '2'], {
      env,
    })
    await sub.waitFor(/subscribed to cli\/\+\/inbox/, 'stderr')
    const one = await runCli(['pub', 'cli/ann/inbox', '{"n":1}', ...auth(), '-q', '1', '-f', 'json'], { env })
    expect(one.code, one.stderr).toBe(0)
    const two = await runCli(['pub', 'cli/{user}/inbox', '-p', 'user=bob', '--stdin', ...auth()], {
      env,
      input: 'from stdin',
    })
    expect(two.code, two.stderr).toBe(0)
    const result = await sub.done
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => [l.topic, l.payload, l.params, l.qos])).toEqual([
      ['cli/ann/inbox', { n: 1 }, { user: 'ann' }, 1],
      ['cli/bob/inbox', 'from stdin', { user: 'bob' }, 0],
    ])
    // Not a terminal: no colour codes.
    expect(result.stdout + result.stderr).not.toContain('\u001b[')
  })

  it('--timeout with --count unmet exits 124 with TIMEOUT and a hint, no stack', async () => {
    const r = await runCli(['sub', 'cli/quiet', ...auth(), '-C', '1', '-W', '0.5'], { env })
    expect(r.code).toBe(124)
    expect(r.stderr).toMatch(/^error TIMEOUT: /m)
    expect(r.stderr).toMatch(/^hint: /m)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    // Without --count, --timeout is a listening window and ends cleanly.
    expect((await runCli(['sub', 'cli/quiet', ...auth(), '-W', '0.3'], { env })).code).toBe(0)
  })

  it('pub --timeout: a broker that never answers CONNACK ends in TIMEOUT (124), not a hang', async () => {
    const silent = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = silent.address() as AddressInfo
      const started = Date.now()
      const r = await runCli(['pub', 'cli/x', 'm', '--url', `mqtt://127.0.0.1:${port}`, '-W', '0.5'])
      expect(r.code).toBe(124)
      expect(r.stderr).toMatch(/^error TIMEOUT: /m)
      expect(Date.now() - started).toBeLessThan(8000)
    } finally {
      silent.close()
    }
  })

  it('wrong password: NOT_AUTHORIZED, exit 1, no stack unless --debug, password never printed', async () => {
    const bad = { TIDINGS_PASSWORD: 'wrong-secret-pw' }
    const r = await runCli(['pub', 'cli/x', 'm', ...auth()], { env: bad })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error NOT_AUTHORIZED: /m)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(r.stdout + r.stderr).not.toContain('wrong-secret-pw')
    const debug = await runCli(['--debug', 'pub', 'cli/x', 'm', ...auth()], { env: bad })
    expect(debug.code).toBe(1)
    expect(debug.stderr).toMatch(/\n\s+at /)
  })

  it('bad input fails with its code before connecting', async () => {
    const filter = await runCli(['pub', 'cli/#', 'm', ...auth()], { env })
    expect([filter.code, filter.stderr.split('\n')[0]]).toEqual([1, expect.stringMatching(/^error INVALID_TOPIC: /)])
    const json = await runCli(['pub', 'cli/x', '{nope', '-f', 'json', ...auth()], { env })
    expect(json.stderr).toMatch(/^error INVALID_PAYLOAD: /m)
    const refused = await runCli(['pub', 'cli/x', 'm', '--url', 'mqtt://127.0.0.1:1'])
    expect(refused.stderr).toMatch(/^error CONNECTION_REFUSED: /m)
  })

  it('--profile reads a saved profile whose secret comes from the environment; a stored secret is refused', async () => {
    const config = join(dir, 'tidings.config.json')
    writeFileSync(
      config,
      JSON.stringify({
        profiles: {
          local: { broker: 'mosquitto', url, username: 'alice', password: { env: 'MQ_PW' } },
          leaky: { broker: 'mosquitto', url, username: 'alice', password: 'alice-pw' },
        },
      }),
    )
    const sub = startCli(['sub', 'cli/profile', '--profile', 'local', '--config', config, '-C', '1'], {
      env: { MQ_PW: 'alice-pw' },
    })
    await sub.waitFor(/subscribed/, 'stderr')
    const pub = await runCli(['pub', 'cli/profile', 'via profile', '--profile', 'local', '--config', config], {
      env: { MQ_PW: 'alice-pw' },
    })
    expect(pub.code, pub.stderr).toBe(0)
    expect((await sub.done).stdout).toBe('via profile\n')
    const leaky = await runCli(['pub', 'cli/x', 'm', '--profile', 'leaky', '--config', config])
    expect(leaky.code).toBe(1)
    expect(leaky.stderr).toMatch(/^error INVALID_OPTIONS: .*must not be stored in the config file/m)
    const unset = await runCli(['pub', 'cli/x', 'm', '--profile', 'local', '--config', config])
    expect(unset.stderr).toMatch(/MQ_PW, which is not set/)
  })

  it('bench pub, sub and conn: counts, latency percentiles, errors by code', async () => {
    const r = await runCli(['bench', 'pub', ...auth(), '-c', '3', '-C', '20', '-q', '1', '--json'], { env })
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary).toMatchObject({ kind: 'pub', clients: 3, ok: 60, errors: {} })
    expect(summary.latencyMs.p50).toBeGreaterThan(0)
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50)
    // bench sub measures latency from the timestamps bench pub writes.
    const sub = startCli(
      ['bench', 'sub', ...auth(), '-c', '2', '-C', '10', '-t', 'cli/bench/%i', '-q', '1', '--json', '-d', '15'],
      {
        env,
      },
    )
    await sub.waitFor(/subscribed 2 clients/, 'stderr')
    const pub = await runCli(['bench', 'pub', ...auth(), '-c', '2', '-C', '10', '-t', 'cli/bench/%i', '-q', '1'], {
      env,
    })
    expect(pub.stdout).toMatch(/messages acked\s+20/)
    const got = await sub.done
    expect(got.code, got.stderr).toBe(0)
    expect(JSON.parse(got.stdout)).toMatchObject({ kind: 'sub', ok: 20, latencyMs: { p50: expect.any(Number) } })
    const table = await runCli(['bench', 'conn', ...auth(), '-c', '2'], { env: { TIDINGS_PASSWORD: 'nope' } })
    expect(table.stdout).toMatch(/NOT_AUTHORIZED\s+2/)
    expect(table.code).toBe(1)
  })
})
