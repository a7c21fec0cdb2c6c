import { bytes, createClient, topic } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uniapp } from '../../../transport-wechat/src/index.js'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'
import { createFakePlatform, memoryWire, wsWire } from '../../src/wechat/index.js'
import { ENDPOINT, OPEN, flush, until, watch, write } from './helpers.js'

describe('uniapp() on uni-app compiled to Alipay', () => {
  it('without the Alipay path (the WeChat call shape) uni-app on Alipay hands out no SocketTask', () => {
    const { wire } = memoryWire()
    const platform = createFakePlatform('uni-my', { wire })
    // Forcing another platform name takes the WeChat-shaped call: no `multiple`, so Alipay returns nothing.
    const transport = uniapp({ uni: platform.api as never, uniPlatform: 'mp-weixin', production: 'off' })
    expect(() => transport.open(ENDPOINT, OPEN)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }))
    expect(platform.calls[0]!.multiple).toBeUndefined()
  })

  it('detects Alipay from getSystemInfoSync().uniPlatform: multiple, subprotocol header, nested messages', async () => {
    const { wire, connections } = memoryWire()
    const platform = createFakePlatform('uni-my', { wire })
    const stream = uniapp({ uni: platform.api as never, production: 'off' }).open(ENDPOINT, OPEN)
    const seen = watch(stream)
    const call = platform.calls[0]!
    expect(call.multiple).toBe(true)
    expect(call.protocols).toBeUndefined()
    expect(call.header).toEqual({ 'Sec-WebSocket-Protocol': 'mqtt' })
    // A callback is passed, so uni-app returns the task rather than a Promise.
    expect(typeof call.fail).toBe('function')
    connections[0]!.open()
    await write(stream, new Uint8Array([0xc0, 0x00]))
    expect(platform.tasks[0]!.sent).toEqual(['wAA='])
    connections[0]!.message(new Uint8Array([0xd0, 0x00]))
    connections[0]!.message('hi')
    await flush()
    expect(seen.data.map((d) => [...d])).toEqual([
      [0xd0, 0x00],
      [0x68, 0x69],
    ])
    connections[0]!.close(1006, 'abnormal closure')
    await flush()
    expect(seen.closes).toBe(1)
    // Alipay's task reports its close without a code.
    expect((stream as { closeInfo?: unknown }).closeInfo).toEqual({})
  })

  it('the uniPlatform option wins over detection (a uni without getSystemInfoSync)', () => {
    const { wire } = memoryWire()
    const platform = createFakePlatform('uni-my', { wire })
    const { getSystemInfoSync: _, ...bare } = platform.api
    uniapp({ uni: bare as never, uniPlatform: 'mp-alipay', production: 'off' })
      .open(ENDPOINT, OPEN)
      .destroy()
    expect(platform.calls[0]!.multiple).toBe(true)
    // Detection that throws falls back to the WeChat shape: a clear error naming the option, no crash.
    const throwing = {
      ...platform.api,
      getSystemInfoSync: () => {
        throw new Error('not ready')
      },
    }
    expect(() => uniapp({ uni: throwing as never, production: 'off' }).open(ENDPOINT, OPEN)).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringContaining("uniPlatform: 'mp-alipay'") }),
    )
    expect(platform.calls[1]!.multiple).toBeUndefined()
  })

  it('uni-app on WeChat keeps the WeChat shape', () => {
    const { wire } = memoryWire()
    const platform = createFakePlatform('uni', { wire })
    uniapp({ uni: platform.api as never, production: 'off' })
      .open(ENDPOINT, OPEN)
      .destroy()
    expect(platform.calls[0]!.protocols).toEqual(['mqtt'])
    expect(platform.calls[0]!.multiple).toBeUndefined()
  })
})

describe('uniapp() on Alipay against real Mosquitto', () => {
  let broker: MosquittoFixture
  beforeAll(async () => {
    broker = await spawnMosquitto()
  })
  afterAll(async () => {
    await broker?.close()
  })

  it('round-trips binary messages (the subprotocol reaches Mosquitto through the header)', async () => {
    const platform = createFakePlatform('uni-my', { wire: wsWire() })
    const client = createClient({
      broker: mosquitto({ host: broker.host, port: broker.wsPort }),
      transport: uniapp({ uni: platform.api as never, production: 'off' }),
      reconnect: { baseMs: 200, capMs: 1000 },
    })
    client.on('error', () => {})
    try {
      await client.connect()
      const run = Math.random().toString(36).slice(2, 8)
      const blob = topic('uni-alipay/{run}', bytes())
      const got: number[][] = []
      await client.subscribe(blob, { run }, (value) => void got.push([...value]), { qos: 1 })
      await client.publish(blob, { run }, new Uint8Array([1, 2, 255]), { qos: 1 })
      await until(() => got.length === 1, 5000, 'the message')
      expect(got).toEqual([[1, 2, 255]])
      expect(platform.tasks[0]!.sendFailures).toEqual([])
      expect(platform.tasks[0]!.sent.every((d) => typeof d === 'string')).toBe(true)
    } finally {
      await client.close()
    }
  })
})
