import { bytes, createClient, topic } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wechat } from '../../../transport-wechat/src/index.js'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'
import { createFakePlatform, memoryWire, wsWire } from '../../src/wechat/index.js'
import { OPEN, SHAPES, until } from './helpers.js'

describe('production guard: hosts', () => {
  const open = (host: string) => {
    const { wire, connections } = memoryWire()
    const platform = createFakePlatform('wx', { wire })
    const transport = wechat({ wx: platform.api as never, production: 'reject' })
    transport.open({ host, port: 8084, path: '/mqtt' }, OPEN).destroy()
    return connections.length
  }

  it.each(['192.168.1.20', '10.0.0.2', '172.20.0.1', '169.254.3.4', '[fd00::1]', '[fe80::1]'])(
    'allows the LAN address %s in reject mode (WeChat allows LAN IPs from base library 2.4.0)',
    (host) => {
      expect(open(host)).toBe(1)
    },
  )

  it.each(['localhost', 'broker.localhost', '127.0.0.1', '127.1.2.3', '0.0.0.0', '[::1]', '8.8.8.8', '172.32.0.1'])(
    'refuses %s in reject mode (loopback never reaches the broker; public IPs are refused by the platform)',
    (host) => {
      expect(() => open(host)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    },
  )
})

describe.each(SHAPES)('$name on a base library without lifecycle APIs ($shape)', (entry) => {
  it('subscribes to nothing and fails nothing when on*/off* are missing', () => {
    const { wire } = memoryWire()
    const platform = createFakePlatform(entry.shape, { wire })
    const bare = { connectSocket: platform.api.connectSocket }
    const lifecycle = entry.make(bare, { production: 'off' }).lifecycle!
    const stops = [
      lifecycle.onForeground!(() => {}),
      lifecycle.onBackground!(() => {}),
      lifecycle.onNetworkChange!(() => {}),
    ]
    for (const stop of stops) expect(() => stop()).not.toThrow()
  })

  it('mutes a listener where on* exists but off* does not (offNetworkStatusChange: WeChat 2.9.3)', () => {
    const { wire } = memoryWire()
    const platform = createFakePlatform(entry.shape, { wire })
    const { offNetworkStatusChange: _n, offAppShow: _s, ...older } = platform.api
    const lifecycle = entry.make(older, { production: 'off' }).lifecycle!
    const got: string[] = []
    const stopNet = lifecycle.onNetworkChange!((online) => got.push(`net:${online}`))
    const stopShow = lifecycle.onForeground!(() => got.push('show'))
    platform.app.network(false)
    platform.app.show()
    stopNet()
    stopShow()
    platform.app.network(true)
    platform.app.show()
    expect(got).toEqual(['net:false', 'show'])
  })
})

describe('a client on a platform object with only connectSocket (no lifecycle APIs)', () => {
  let broker: MosquittoFixture
  beforeAll(async () => {
    broker = await spawnMosquitto()
  })
  afterAll(async () => {
    await broker?.close()
  })

  it('connects, round-trips and closes', async () => {
    const platform = createFakePlatform('wx', { wire: wsWire() })
    const client = createClient({
      broker: mosquitto({ host: broker.host, port: broker.wsPort }),
      transport: wechat({ wx: { connectSocket: platform.api.connectSocket as never }, production: 'off' }),
    })
    client.on('error', () => {})
    try {
      await client.connect()
      const run = Math.random().toString(36).slice(2, 8)
      const blob = topic('base-library/{run}', bytes())
      const got: number[][] = []
      await client.subscribe(blob, { run }, (value) => void got.push([...value]), { qos: 1 })
      await client.publish(blob, { run }, new Uint8Array([7]), { qos: 1 })
      await until(() => got.length === 1, 5000, 'the message')
      expect(got).toEqual([[7]])
      expect(platform.app.listeners()).toEqual({ show: 0, hide: 0, network: 0 })
    } finally {
      await client.close()
    }
  })
})
