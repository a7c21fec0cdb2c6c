// WebSocket rows for `pnpm bench`: raw MQTT.js over ws vs tidings' websocket() transport (Node, with the
// `ws` package injected), both against Mosquitto's websockets listener on loopback; plus the browser
// bundle size next to MQTT.js's own browser bundle.
import { bytes, createClient, topic } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { websocket } from '@tidings/transport-ws'
import { build } from 'esbuild'
import { connectAsync } from 'mqtt'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { WebSocket } from 'ws'
import { gc, measure, until } from '../measure.js'
import type { BenchRow, BenchSuite } from '../types.js'

const PAYLOAD = new Uint8Array(64).fill(0x61)

export const ws: BenchSuite = async (ctx) => {
  const n = ctx.quick ? 10_000 : 100_000
  const broker = await ctx.mosquitto({ extraConfig: ['max_queued_messages 1000000'] })
  const url = `ws://127.0.0.1:${broker.wsPort}/mqtt`
  const rawClient = () => connectAsync(url, { protocolVersion: 5 })
  const tidingsClient = async () => {
    const client = createClient({
      broker: mosquitto({ host: '127.0.0.1', port: broker.wsPort }),
      transport: websocket({ WebSocket }),
    })
    await client.connect()
    return client
  }
  const rows: BenchRow[] = []

  // --- publish CPU: N QoS 0 publishes, then one QoS 1 whose PUBACK proves all were written; no subscriber.
  const buf = Buffer.from(PAYLOAD)
  const rawPublish = async (count: number) => {
    const pub = await rawClient()
    gc()
    const r = await measure(count, async () => {
      for (let i = 0; i < count; i++) pub.publish('bench/ws/cpu', buf, { qos: 0 })
      await pub.publishAsync('bench/ws/cpu', buf, { qos: 1 })
    })
    await pub.endAsync()
    return r
  }
  const tidingsPublish = async (count: number) => {
    const pub = await tidingsClient()
    const t = topic('bench/ws/cpu', bytes(), { qos: 0 })
    gc()
    const r = await measure(count, async () => {
      for (let i = 0; i < count; i++) void pub.publish(t, {}, PAYLOAD)
      await pub.publish(t, {}, PAYLOAD, { qos: 1 })
    })
    await pub.close()
    return r
  }
  // Warm both paths up so neither pays for JIT compilation in the measured run.
  await rawPublish(2000)
  await tidingsPublish(2000)
  const rawCpu = await rawPublish(n)
  const tidingsCpu = await tidingsPublish(n)
  rows.push({
    name: `ws publish client CPU per message (${n / 1000}k × 64 B, QoS 0)`,
    unit: 'µs/msg',
    raw: rawCpu.cpuUsPerItem,
    tidings: tidingsCpu.cpuUsPerItem,
    target: { max: 0.5 },
    note: 'ws publish CPU: MQTT.js sends each field of a packet as its own WebSocket frame; tidings sends one frame per packet (packets written in one tick share a frame).',
  })

  // --- the same, one publish per event-loop turn: nothing to coalesce, so this is one frame per packet
  // (tidings) against one frame per packet field (MQTT.js).
  {
    const paced = ctx.quick ? 5_000 : 20_000
    const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
    // Let the broker finish the bursts above: measure the client, not a busy machine.
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 500))
    // Each client first publishes `count` messages unmeasured: the path is syscall-bound and short or
    // cold runs measure JIT compilation and machine noise more than the client.
    const rawPaced = async (count: number) => {
      const pub = await rawClient()
      const publishSome = async () => {
        for (let i = 0; i < count; i++) {
          pub.publish('bench/ws/paced', buf, { qos: 0 })
          await turn()
        }
        await pub.publishAsync('bench/ws/paced', buf, { qos: 1 })
      }
      await publishSome()
      await settle()
      gc()
      const r = await measure(count, publishSome)
      await pub.endAsync()
      return r
    }
    const tidingsPaced = async (count: number) => {
      const pub = await tidingsClient()
      const t = topic('bench/ws/paced', bytes(), { qos: 0 })
      const publishSome = async () => {
        for (let i = 0; i < count; i++) {
          void pub.publish(t, {}, PAYLOAD)
          await turn()
        }
        await pub.publish(t, {}, PAYLOAD, { qos: 1 })
      }
      await publishSome()
      await settle()
      gc()
      const m = await measure(count, publishSome)
      await pub.close()
      return m
    }
    const r = await rawPaced(paced)
    const m = await tidingsPaced(paced)
    rows.push({
      name: `ws publish client CPU per message, one per loop turn (${paced / 1000}k)`,
      unit: 'µs/msg',
      raw: r.cpuUsPerItem,
      tidings: m.cpuUsPerItem,
      target: { max: 0.5 },
    })
  }

  // --- QoS 0 throughput through the broker: publisher and subscriber both over ws.
  {
    const [pub, sub] = await Promise.all([rawClient(), rawClient()])
    let got = 0
    sub.on('message', () => {
      got++
    })
    await sub.subscribeAsync('bench/ws/q0', { qos: 0 })
    gc()
    const r = await measure(n, async () => {
      for (let i = 0; i < n; i++) pub.publish('bench/ws/q0', buf, { qos: 0 })
      await until(() => got >= n, 120_000, 'raw QoS 0 delivery over ws')
    })
    await Promise.all([pub.endAsync(), sub.endAsync()])

    const [tp, ts] = await Promise.all([tidingsClient(), tidingsClient()])
    const t = topic('bench/ws/q0', bytes(), { qos: 0 })
    let tgot = 0
    await ts.subscribe(t, {}, () => {
      tgot++
    })
    gc()
    const m = await measure(n, async () => {
      for (let i = 0; i < n; i++) void tp.publish(t, {}, PAYLOAD)
      await until(() => tgot >= n, 120_000, 'tidings QoS 0 delivery over ws')
    })
    await Promise.all([tp.close(), ts.close()])
    rows.push(
      {
        name: `ws QoS 0 throughput (${n / 1000}k × 64 B)`,
        unit: 'msg/s',
        raw: r.perSecond,
        tidings: m.perSecond,
        target: { min: 1 },
      },
      {
        name: 'ws QoS 0 client CPU per message (pub + sub)',
        unit: 'µs/msg',
        raw: r.cpuUsPerItem,
        tidings: m.cpuUsPerItem,
      },
    )
  }

  // --- browser bundle: an app importing createClient, topic, json and websocket, vs MQTT.js's mqtt.min.js.
  {
    const result = await build({
      stdin: {
        contents:
          "import { createClient, json, topic } from '@tidings/core'\nimport { websocket } from '@tidings/transport-ws'\nexport { createClient, json, topic, websocket }",
        resolveDir: fileURLToPath(new URL('../../examples/notification-bell/', import.meta.url)),
        loader: 'js',
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    })
    const output = result.outputFiles[0]!.contents
    const ours = gzipSync(output, { level: 9 }).byteLength
    // Not in mqtt's exports map: found next to its main entry instead.
    const mqttMain = createRequire(import.meta.url).resolve('mqtt')
    const mqttMin = readFileSync(
      new URL('../dist/mqtt.min.js', new URL(`file://${mqttMain.slice(0, mqttMain.lastIndexOf('/build/') + 7)}`)),
    )
    const theirs = gzipSync(mqttMin, { level: 9 }).byteLength
    rows.push({
      name: 'browser bundle, minified + gzip (raw: mqtt.min.js)',
      unit: 'KiB',
      raw: theirs / 1024,
      tidings: ours / 1024,
      note: `browser bundle: tidings app = createClient + topic + json + websocket (${output.byteLength} B minified, ${ours} B gzip); budget 75 KiB gzip.`,
    })
  }
  return rows
}
