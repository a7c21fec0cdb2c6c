import { startDevBroker } from '@tidings/devbroker'
import { aliyunEmulation } from '@tidings/devbroker/aliyun'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, runCli, startCli, type CliProcess } from './run-cli.js'

// `tidings broker --emulate …` (the devbroker's EMQX and Aliyun emulations) with sub/pub signing in as
// those brokers require: an EMQX JWT minted from --jwt-secret, Aliyun Signature mode from the environment.
const JWT_SECRET = 'cli-test-jwt-secret-0123456789abcdef'
const ALIYUN = { id: 'LTAIclitest', secret: 'aliyun-secret-never-printed', instance: 'mqtt-cn-clitest' }

const started: CliProcess[] = []
const startBroker = async (args: string[], env: Record<string, string> = {}) => {
  const broker = startCli(['broker', '--port', '0', '--ws-port', '0', '--json', ...args], { env })
  started.push(broker)
  const line = await broker.waitFor(/^\{/)
  return JSON.parse(line) as { mqtt: string; ws: string; emulate: string }
}

beforeAll(() => assertBuilt())
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()))
})

describe('tidings against the EMQX emulation', () => {
  let urls: { mqtt: string; ws: string }
  beforeAll(async () => {
    urls = await startBroker(['--emulate', 'emqx', '--jwt-secret', JWT_SECRET])
  })

  it('sub and pub sign in with JWTs minted by --jwt-secret, over tcp and ws', async () => {
    // The devbroker speaks MQTT 3.1.1; EMQX itself would take the profile's default, 5.
    const emqx = (url: string) => ['--broker', 'emqx', '--url', url, '-V', '4', '-u', 'ann', '--jwt-secret', JWT_SECRET]
    const sub = startCli(['sub', 'emqx/{id}/state', ...emqx(urls.ws), '-C', '1', '--jsonl'])
    started.push(sub)
    await sub.waitFor(/subscribed to emqx\/\+\/state/, 'stderr')
    const pub = await runCli(['pub', 'emqx/d1/state', 'on', ...emqx(urls.mqtt), '-q', '1'])
    expect(pub.code, pub.stderr).toBe(0)
    const result = await sub.done
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ topic: 'emqx/d1/state', payload: 'on', params: { id: 'd1' } })
  })

  it('a whole-tree filter is refused before any token is minted', async () => {
    const all = await runCli([
      'sub',
      '#',
      '--broker',
      'emqx',
      '--url',
      urls.mqtt,
      '-V',
      '4',
      '--jwt-secret',
      JWT_SECRET,
    ])
    expect(all.code).toBe(1)
    expect(all.stderr).toMatch(/^error INVALID_TOPIC: /m)
  })

  it('a wrong secret is NOT_AUTHORIZED, without a stack or the secret in the output', async () => {
    const wrong = 'not-the-secret-but-long-enough-for-hs256'
    const r = await runCli([
      'pub',
      'emqx/x',
      'm',
      '--broker',
      'emqx',
      '--url',
      urls.mqtt,
      '-V',
      '4',
      '--jwt-secret',
      wrong,
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error NOT_AUTHORIZED: /m)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(r.stdout + r.stderr).not.toContain(wrong)
  })
})

describe('tidings against the Aliyun emulation', () => {
  let urls: { mqtt: string; ws: string }
  const env = { ALIYUN_ACCESS_KEY_SECRET: ALIYUN.secret }
  const aliyun = (device: string) => [
    '--broker',
    'aliyun',
    '--url',
    urls.mqtt,
    '--access-key-id',
    ALIYUN.id,
    '--instance-id',
    ALIYUN.instance,
    '--group-id',
    'GID_cli',
    '--device-id',
    device,
  ]
  beforeAll(async () => {
    urls = await startBroker(
      ['--emulate', 'aliyun', '--access-key-id', ALIYUN.id, '--instance-id', ALIYUN.instance],
      env,
    )
  })

  it('Signature mode from ALIYUN_ACCESS_KEY_SECRET: round trip', async () => {
    const sub = startCli(['sub', 'alarms/{site}', ...aliyun('sub1'), '-C', '1', '-v'], { env })
    started.push(sub)
    await sub.waitFor(/subscribed to alarms\/\+/, 'stderr')
    const pub = await runCli(['pub', 'alarms/s9', 'fire', ...aliyun('pub1'), '-q', '1'], { env })
    expect(pub.code, pub.stderr).toBe(0)
    const result = await sub.done
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe('alarms/s9 fire\n')
    expect(result.stdout + result.stderr + pub.stderr).not.toContain(ALIYUN.secret)
  })

  it('a wrong secret is NOT_AUTHORIZED; no secret at all says where it must come from', async () => {
    const wrong = await runCli(['pub', 'alarms/s1', 'x', ...aliyun('pub2')], {
      env: { ALIYUN_ACCESS_KEY_SECRET: 'wrong-aliyun-secret' },
    })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^error NOT_AUTHORIZED: /m)
    expect(wrong.stderr).not.toContain('wrong-aliyun-secret')
    const none = await runCli(['pub', 'alarms/s1', 'x', ...aliyun('pub3')])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^error INVALID_OPTIONS: .*ALIYUN_ACCESS_KEY_SECRET/m)
  })
})

describe('tidings --broker aliyun --token', () => {
  it('signs in with a token the cloud issued (Token mode); a revoked one is NOT_AUTHORIZED', async () => {
    // The broker runs in this process, so the test can apply for a token as the OpenAPI would.
    const emulation = aliyunEmulation({ instanceId: ALIYUN.instance, accessKeys: { [ALIYUN.id]: ALIYUN.secret } })
    const broker = await startDevBroker({ emulate: emulation })
    try {
      const record = emulation.registry.applyToken({
        instanceId: ALIYUN.instance,
        accessKeyId: ALIYUN.id,
        resources: ['tokens/#'],
        actions: 'R,W',
        expireTime: Date.now() + 3_600_000,
      })
      const flags = (device: string) => [
        ...['--broker', 'aliyun', '--url', broker.mqttUrl, '--access-key-id', ALIYUN.id],
        ...['--instance-id', ALIYUN.instance, '--group-id', 'GID_cli', '--device-id', device, '--token', record.token],
      ]
      const sub = startCli(['sub', 'tokens/{id}', ...flags('tsub'), '-C', '1', '--jsonl'])
      started.push(sub)
      await sub.waitFor(/subscribed/, 'stderr')
      const pub = await runCli(['pub', 'tokens/t1', 'ok', ...flags('tpub'), '-q', '1'])
      expect(pub.code, pub.stderr).toBe(0)
      expect(JSON.parse((await sub.done).stdout)).toMatchObject({ topic: 'tokens/t1', payload: 'ok' })
      emulation.registry.revokeToken(record.token)
      const revoked = await runCli(['pub', 'tokens/t1', 'no', ...flags('tpub2')])
      expect(revoked.code).toBe(1)
      expect(revoked.stderr).toMatch(/^error NOT_AUTHORIZED: /m)
    } finally {
      await broker.close()
    }
  })
})
