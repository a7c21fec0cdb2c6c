import {
  bytes,
  createClient,
  topic,
  type BrokerProfile,
  type ClientState,
  type StateInfo,
  type TidingsClient,
} from '@tidings/core'
import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { mosquitto } from '@tidings/mosquitto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wechat } from '../../../transport-wechat/src/index.js'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'
import { createFakePlatform, wsWire, type FakePlatform } from '../../src/wechat/index.js'
import { until } from './helpers.js'

/** A broker under test: its profile and how to drop every client from the server side. */
interface Target {
  profile(): BrokerProfile
  dropClients(): Promise<void>
}

const blob = topic('wechat/{run}/blob', bytes())

/** A payload whose bytes sit in the middle of a bigger buffer, as pooled Buffers do. */
const payload = (...values: number[]): Uint8Array => {
  const backing = new Uint8Array(4096).fill(0xab)
  backing.set(values, 2000)
  return backing.subarray(2000, 2000 + values.length)
}

function suite(name: string, target: () => Target, protocolVersion: 4 | 5): void {
  describe(`fake wx on ws → ${name} (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'})`, () => {
    const run = Math.random().toString(36).slice(2, 8)
    let platform: FakePlatform
    let client: TidingsClient
    const states: Array<[ClientState, StateInfo]> = []

    beforeAll(async () => {
      platform = createFakePlatform('wx', { wire: wsWire() })
      client = createClient({
        broker: target().profile(),
        transport: wechat({ wx: platform.api as never, production: 'off' }),
        protocolVersion,
        reconnect: { baseMs: 200, capMs: 1000 },
      })
      client.on('state', (state, info) => states.push([state, info]))
      client.on('error', () => {})
      await client.connect()
    })
    afterAll(async () => {
      await client?.close()
    })

    it('does QoS 0 and QoS 1 binary round trips with exact frames', async () => {
      const got: number[][] = []
      await client.subscribe(
        blob,
        { run },
        (value) => {
          got.push([...value])
        },
        { qos: 1 },
      )
      await client.publish(blob, { run }, payload(0, 1, 2, 255), { qos: 0 })
      await client.publish(blob, { run }, payload(9, 8, 7), { qos: 1 })
      await until(() => got.length === 2, 5000, 'two messages')
      expect(got).toEqual([
        [0, 1, 2, 255],
        [9, 8, 7],
      ])
      const task = platform.tasks[0]!
      expect(task.sendFailures).toEqual([])
      // Every frame is a whole number of MQTT packets, never a pooled backing buffer.
      expect(task.sentBytes.every((frame) => frame.byteLength < 200)).toBe(true)
    })

    it('survives a server-side disconnect: reconnects and resubscribes', async () => {
      const got: number[][] = []
      await client.subscribe(
        blob,
        { run: `${run}-drop` },
        (value) => {
          got.push([...value])
        },
        { qos: 1 },
      )
      const before = platform.tasks.length
      await target().dropClients()
      await until(() => platform.tasks.length > before && client.state === 'online', 15_000, 'reconnected')
      expect(states.some(([s]) => s === 'reconnecting')).toBe(true)
      await client.publish(blob, { run: `${run}-drop` }, payload(42), { qos: 1 })
      await until(() => got.length === 1, 5000, 'message after reconnect')
      expect(got).toEqual([[42]])
    })

    it('background: the interrupted close is reported; foreground: reconnects within 1 s of onAppShow', async () => {
      // A client of its own whose retry timers never fire.
      const app = createFakePlatform('wx', { wire: wsWire() })
      const sleeper = createClient({
        broker: target().profile(),
        transport: wechat({ wx: app.api as never, production: 'off' }),
        protocolVersion,
        // Retry timers never fire: only onAppShow can bring it back.
        timers: { setTimeout: () => undefined, clearTimeout: () => {} },
      })
      const seen: Array<[ClientState, StateInfo]> = []
      sleeper.on('state', (state, info) => seen.push([state, info]))
      sleeper.on('error', () => {})
      try {
        await sleeper.connect()
        const got: number[][] = []
        await sleeper.subscribe(
          blob,
          { run: `${run}-bg` },
          (value) => {
            got.push([...value])
          },
          { qos: 1 },
        )
        app.app.hide()
        // Suspended: the socket dies, and its close is only reported once the app resumes.
        const reportClose = app.interrupt({ defer: true })
        await new Promise((r) => setTimeout(r, 100))
        app.app.show()
        const shown = Date.now()
        reportClose()
        // The reconnect starts at once, so 'reconnecting' may already be over: look at the recorded states.
        await until(() => seen.some(([s]) => s === 'reconnecting'), 2000, 'reconnecting')
        await until(() => sleeper.state === 'online', 1000, 'online within 1 s of onAppShow')
        expect(Date.now() - shown).toBeLessThan(1000)
        expect(seen.find(([s]) => s === 'reconnecting')?.[1].close).toEqual({ code: 1000, reason: 'interrupted' })
        await client.publish(blob, { run: `${run}-bg` }, payload(7), { qos: 1 })
        await until(() => got.length === 1, 5000, 'message after resume')
      } finally {
        await sleeper.close()
      }
    })

    it('ends cleanly: one close per live socket, none on dead ones', async () => {
      await client.close()
      await until(() => platform.tasks.every((t) => t.state === 'closed'), 5000, 'all tasks closed')
      expect(platform.tasks.reduce((n, t) => n + t.closeFailures, 0)).toBe(0)
      expect(platform.tasks.at(-1)!.closeCalls).toBe(1)
      expect(platform.app.listeners()).toEqual({ show: 0, hide: 0, network: 0 })
    })
  })
}

let mosquittoFixture: MosquittoFixture
let devbroker: DevBroker
beforeAll(async () => {
  ;[mosquittoFixture, devbroker] = await Promise.all([spawnMosquitto(), startDevBroker()])
})
afterAll(async () => {
  await Promise.all([mosquittoFixture?.close(), devbroker?.close()])
})

suite(
  'Mosquitto',
  () => ({
    profile: () => mosquitto({ host: mosquittoFixture.host, port: mosquittoFixture.wsPort }),
    dropClients: () => mosquittoFixture.restart(),
  }),
  5,
)

suite(
  'devbroker',
  () => ({
    profile: () => devbroker.profile(),
    dropClients: async () => devbroker.dropClients(),
  }),
  4,
)
