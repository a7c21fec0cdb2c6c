import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'
import { assertBuilt, runCli, startCli } from './run-cli.js'

// The built `tidings request` / `tidings respond` against the devbroker (MQTT 3.1.1, the envelope) and a
// real Mosquitto (MQTT 5, Response Topic and Correlation Data).
let dev: DevBroker
let mosquitto: MosquittoFixture
beforeAll(async () => {
  assertBuilt()
  ;[dev, mosquitto] = await Promise.all([startDevBroker(), spawnMosquitto()])
})
afterAll(async () => {
  await Promise.all([dev?.close(), mosquitto?.close()])
})

const targets = [
  { name: 'devbroker, MQTT 3.1.1', args: () => ['--url', dev.mqttUrl, '-V', '4'] },
  { name: 'Mosquitto, MQTT 5', args: () => ['--url', `mqtt://127.0.0.1:${mosquitto.port}`, '-V', '5'] },
]

describe.each(targets)('tidings request / respond on the $name', ({ args }) => {
  it('--echo and --reply answer, --count ends the responder, the reply is printed and exits 0', async () => {
    const echo = startCli(['respond', 'rr/{dev}/echo', ...args(), '--echo', '-C', '2', '--jsonl'])
    await echo.waitFor(/answering requests on rr\/\+\/echo/, 'stderr')
    const one = await runCli(['request', 'rr/{dev}/echo', '-p', 'dev=d1', 'ping', ...args()])
    expect(one.code, one.stderr).toBe(0)
    expect(one.stdout).toBe('ping\n')
    const two = await runCli(['request', 'rr/d2/echo', '--stdin', '-f', 'hex', '-q', '0', ...args()], {
      input: '00545251ff',
    })
    expect(two.code, two.stderr).toBe(0)
    expect(two.stdout).toBe('00545251ff\n')
    const served = await echo.done
    expect(served.code, served.stderr).toBe(0)
    const lines = served.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => [l.topic, l.params, l.qos])).toEqual([
      ['rr/d1/echo', { dev: 'd1' }, 1],
      ['rr/d2/echo', { dev: 'd2' }, 0],
    ])

    const fixed = startCli(['respond', 'rr/status', ...args(), '--reply', '{"ok":true}', '-f', 'json', '-C', '1'])
    await fixed.waitFor(/answering requests/, 'stderr')
    const answer = await runCli(['request', 'rr/status', '{}', '-f', 'json', '--jsonl', ...args()])
    expect(answer.code, answer.stderr).toBe(0)
    expect(JSON.parse(answer.stdout)).toMatchObject({ topic: 'rr/status', payload: { ok: true } })
    expect((await fixed.done).code).toBe(0)
  })

  it('no responder: TIMEOUT with a hint, exit 124, no stack', async () => {
    const started = Date.now()
    const r = await runCli(['request', 'rr/nobody', 'x', '-W', '0.5', ...args()])
    expect(r.code).toBe(124)
    expect(r.stderr).toMatch(/^error TIMEOUT: \[tidings\] no reply to the request on rr\/nobody/m)
    expect(r.stderr).toMatch(/^hint: /m)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(Date.now() - started).toBeLessThan(8000)
  })

  it('refuses what cannot work before connecting', async () => {
    const both = await runCli(['respond', 'rr/x', '--echo', '--reply', 'y', ...args()])
    expect(both.code).toBe(1)
    expect(both.stderr).toMatch(/^error INVALID_OPTIONS: /m)
    const filter = await runCli(['request', 'rr/+/x', 'y', ...args()])
    expect(filter.stderr).toMatch(/^error INVALID_TOPIC: /m)
  })
})
