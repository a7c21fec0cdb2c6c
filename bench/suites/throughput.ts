import { bytes, createClient, topic, type BrokerProfile } from '@tidings/core'
import { startDevBroker } from '@tidings/devbroker'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { connectAsync, type MqttClient } from 'mqtt'
import { measure, pause, percentile, until } from '../measure.js'
import type { BenchRow, BenchSuite } from '../types.js'

const PAYLOAD = new Uint8Array(64).fill(0x61)

/**
 * Burst throughput, CPU per message and round-trip latency: raw MQTT.js and tidings against the same
 * Mosquitto, in this process. The throughput rows publish a whole batch in one synchronous loop: buffering
 * that burst dominates the cost on both sides, so they say little about a backend that keeps a bounded
 * window in flight (the `clientbound` suite measures that).
 */
export const throughput: BenchSuite = async (ctx) => {
  const q0 = ctx.quick ? 20_000 : 200_000
  const q1 = ctx.quick ? 5_000 : 50_000
  const rtts = ctx.quick ? 500 : 5_000
  // Mosquitto queues at most 1000 QoS 1 messages per subscriber by default and drops the rest: raise the
  // limit so a burst measures throughput, not the drop policy.
  const broker = await ctx.mosquitto({ extraConfig: ['max_queued_messages 1000000'] })
  const url = `mqtt://127.0.0.1:${broker.port}`
  const profile = (): BrokerProfile => mosquitto({ host: '127.0.0.1', port: broker.port })
  const rows: BenchRow[] = []

  const raw = async (): Promise<[MqttClient, MqttClient]> =>
    Promise.all([connectAsync(url, { protocolVersion: 5 }), connectAsync(url, { protocolVersion: 5 })])
  const tidings = async () => {
    const pair = [
      createClient({ broker: profile(), transport: tcp() }),
      createClient({ broker: profile(), transport: tcp() }),
    ] as const
    await Promise.all(pair.map((c) => c.connect()))
    return pair
  }

  // --- QoS 0 throughput: publish N in one go, time until the subscriber has all of them.
  {
    const [pub, sub] = await raw()
    let got = 0
    sub.on('message', () => {
      got++
    })
    await sub.subscribeAsync('bench/q0', { qos: 0 })
    const buf = Buffer.from(PAYLOAD)
    const r = await measure(q0, async () => {
      for (let i = 0; i < q0; i++) pub.publish('bench/q0', buf, { qos: 0 })
      await until(() => got >= q0, 120_000, 'raw QoS 0 delivery')
    })
    await Promise.all([pub.endAsync(), sub.endAsync()])

    const [tp, ts] = await tidings()
    const t = topic('bench/q0', bytes(), { qos: 0 })
    let tgot = 0
    await ts.subscribe(t, {}, () => {
      tgot++
    })
    const m = await measure(q0, async () => {
      for (let i = 0; i < q0; i++) void tp.publish(t, {}, PAYLOAD)
      await until(() => tgot >= q0, 120_000, 'tidings QoS 0 delivery')
    })
    await Promise.all([tp.close(), ts.close()])
    rows.push(
      {
        name: `burst: QoS 0 throughput, ${q0 / 1000}k publishes in one synchronous loop (64 B)`,
        unit: 'msg/s',
        raw: r.perSecond,
        tidings: m.perSecond,
        target: { min: 0.95 },
      },
      {
        name: `burst: QoS 0 CPU per message, pub + sub in one process (${q0 / 1000}k in one synchronous loop)`,
        unit: 'µs/msg',
        raw: r.cpuUsPerItem,
        tidings: m.cpuUsPerItem,
      },
    )
  }

  // --- QoS 1 throughput: all publishes issued at once, done when all are acked and received.
  {
    const [pub, sub] = await raw()
    let got = 0
    let acked = 0
    sub.on('message', () => {
      got++
    })
    await sub.subscribeAsync('bench/q1', { qos: 1 })
    const buf = Buffer.from(PAYLOAD)
    const r = await measure(q1, async () => {
      for (let i = 0; i < q1; i++)
        pub.publish('bench/q1', buf, { qos: 1 }, () => {
          acked++
        })
      await until(() => got >= q1 && acked >= q1, 120_000, 'raw QoS 1 delivery')
    })
    await Promise.all([pub.endAsync(), sub.endAsync()])

    const [tp, ts] = await tidings()
    const t = topic('bench/q1', bytes(), { qos: 1 })
    let tgot = 0
    await ts.subscribe(t, {}, () => {
      tgot++
    })
    const m = await measure(q1, async () => {
      const sent: Promise<void>[] = []
      for (let i = 0; i < q1; i++) sent.push(tp.publish(t, {}, PAYLOAD))
      await Promise.all(sent)
      await until(() => tgot >= q1, 120_000, 'tidings QoS 1 delivery')
    })
    await Promise.all([tp.close(), ts.close()])
    rows.push(
      {
        name: `burst: QoS 1 throughput, ${q1 / 1000}k publishes in one synchronous loop (64 B)`,
        unit: 'msg/s',
        raw: r.perSecond,
        tidings: m.perSecond,
        target: { min: 0.95 },
      },
      {
        name: `burst: QoS 1 CPU per message, pub + sub in one process (${q1 / 1000}k in one synchronous loop)`,
        unit: 'µs/msg',
        raw: r.cpuUsPerItem,
        tidings: m.cpuUsPerItem,
      },
    )
  }

  // --- Round trip: one QoS 1 message at a time, publish → received by the other client.
  const rawRtt = async (targetUrl: string, count: number, protocolVersion: 4 | 5): Promise<number[]> => {
    const [pub, sub] = await Promise.all([
      connectAsync(targetUrl, { protocolVersion }),
      connectAsync(targetUrl, { protocolVersion }),
    ])
    let arrived: (() => void) | undefined
    sub.on('message', () => arrived?.())
    await sub.subscribeAsync('bench/rtt', { qos: 1 })
    const samples: number[] = []
    for (let i = 0; i < count; i++) {
      const t0 = performance.now()
      const received = new Promise<void>((resolve) => {
        arrived = resolve
      })
      pub.publish('bench/rtt', Buffer.from(PAYLOAD), { qos: 1 })
      await received
      samples.push(performance.now() - t0)
    }
    await Promise.all([pub.endAsync(), sub.endAsync()])
    return samples.sort((a, b) => a - b)
  }
  const tidingsRtt = async (make: () => BrokerProfile, count: number, protocolVersion: 4 | 5): Promise<number[]> => {
    const pub = createClient({ broker: make(), transport: tcp(), protocolVersion })
    const sub = createClient({ broker: make(), transport: tcp(), protocolVersion })
    await Promise.all([pub.connect(), sub.connect()])
    const t = topic('bench/rtt', bytes(), { qos: 1 })
    let arrived: (() => void) | undefined
    await sub.subscribe(t, {}, () => arrived?.())
    const samples: number[] = []
    for (let i = 0; i < count; i++) {
      const t0 = performance.now()
      const received = new Promise<void>((resolve) => {
        arrived = resolve
      })
      void pub.publish(t, {}, PAYLOAD)
      await received
      samples.push(performance.now() - t0)
    }
    await Promise.all([pub.close(), sub.close()])
    return samples.sort((a, b) => a - b)
  }
  {
    // Rounds alternate raw and tidings so neither always runs on a colder or a more loaded process; each
    // figure is the median of its rounds.
    const rounds = 3
    const raws: number[][] = []
    const ours: number[][] = []
    for (let i = 0; i < rounds; i++) {
      raws.push(await rawRtt(url, rtts, 5))
      ours.push(await tidingsRtt(profile, rtts, 5))
    }
    const median = (runs: number[][], p: number): number =>
      runs.map((r) => percentile(r, p)).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!
    rows.push(
      {
        name: `QoS 1 round trip p50 (Mosquitto, ${rounds} × ${rtts} msgs)`,
        unit: 'ms',
        raw: median(raws, 50),
        tidings: median(ours, 50),
      },
      {
        name: `QoS 1 round trip p99 (Mosquitto, ${rounds} × ${rtts} msgs)`,
        unit: 'ms',
        raw: median(raws, 99),
        tidings: median(ours, 99),
        target: { max: 1.05 },
      },
    )
  }
  {
    const dev = await startDevBroker()
    const count = Math.min(rtts, 2000)
    const r = await rawRtt(dev.mqttUrl, count, 4)
    const m = await tidingsRtt(() => dev.profile(), count, 4)
    await dev.close()
    rows.push({
      name: `QoS 1 round trip p50 (devbroker, ${count} msgs)`,
      unit: 'ms',
      raw: percentile(r, 50),
      tidings: percentile(m, 50),
      note: `devbroker QoS 1 round trip p50 is ${percentile(m, 50).toFixed(3)} ms with tidings (target ≤ 1 ms)`,
    })
  }
  {
    // Mosquitto's default leaves Nagle on: small packets wait for delayed ACKs.
    const nagle = await ctx.mosquitto({ nagle: true })
    const r = await rawRtt(`mqtt://127.0.0.1:${nagle.port}`, 100, 5)
    await nagle.close()
    rows.push({
      name: 'QoS 1 round trip p50, Mosquitto without set_tcp_nodelay (raw MQTT.js, 100 msgs)',
      unit: 'ms',
      raw: percentile(r, 50),
      tidings: null,
      note: `without \`set_tcp_nodelay true\` a QoS 1 round trip through Mosquitto takes ${percentile(r, 50).toFixed(1)} ms (p50)`,
    })
  }
  await pause(10)
  return rows
}
