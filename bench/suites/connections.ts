import { bytes, createClient, topic, type TidingsClient, type Transport } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { connect, connectAsync, type MqttClient } from 'mqtt'
import { gc, pause, until } from '../measure.js'
import type { BenchRow, BenchSuite } from '../types.js'

/** Memory per idle connection, the reconnect storm, and large awaited bursts. */
export const connections: BenchSuite = async (ctx) => {
  const rows: BenchRow[] = []
  rows.push(...(await memory(ctx)))
  rows.push(...(await storm(ctx)))
  rows.push(...(await burst(ctx)))
  return rows
}

async function memory(ctx: Parameters<BenchSuite>[0]): Promise<BenchRow[]> {
  const count = ctx.quick ? 200 : 2000
  const broker = await ctx.mosquitto()
  const url = `mqtt://127.0.0.1:${broker.port}`
  const heap = (): number => {
    gc()
    return process.memoryUsage().heapUsed
  }

  // Warm both code paths first (lazy module loads, JIT), so neither measurement pays for them.
  for (const c of await Promise.all(Array.from({ length: 50 }, () => connectAsync(url, { protocolVersion: 5 }))))
    await c.endAsync()
  const warm = Array.from({ length: 50 }, () =>
    createClient({ broker: mosquitto({ host: '127.0.0.1', port: broker.port }), transport: tcp() }),
  )
  await Promise.all(warm.map((c) => c.connect()))
  await Promise.all(warm.map((c) => c.close()))
  await pause(200)

  const before = heap()
  const raws: MqttClient[] = []
  for (let i = 0; i < count; i += 100) {
    raws.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(100, count - i) }, () =>
          connectAsync(url, { protocolVersion: 5, reconnectPeriod: 1000 }),
        ),
      )),
    )
  }
  await pause(200)
  const rawPer = (heap() - before) / count
  await Promise.all(raws.map((c) => c.endAsync()))
  raws.length = 0
  await pause(200)

  const before2 = heap()
  const clients: TidingsClient[] = []
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () =>
      createClient({ broker: mosquitto({ host: '127.0.0.1', port: broker.port }), transport: tcp() }),
    )
    await Promise.all(batch.map((c) => c.connect()))
    clients.push(...batch)
  }
  await pause(200)
  const tidingsPer = (heap() - before2) / count
  await Promise.all(clients.map((c) => c.close()))
  await broker.close()
  return [
    {
      name: `heap per idle connection (${count} clients)`,
      unit: 'KB',
      raw: rawPer / 1024,
      tidings: tidingsPer / 1024,
      target: { max: 1.1 },
    },
  ]
}

/**
 * 1000 clients online, the broker is killed, and restarted 3 s later. Counted from the kill: connection
 * attempts in the first 5 s, the busiest 100 ms, and how long until every client is back.
 */
async function storm(ctx: Parameters<BenchSuite>[0]): Promise<BenchRow[]> {
  const count = ctx.quick ? 200 : 1000
  const broker = await ctx.mosquitto()
  const url = `mqtt://127.0.0.1:${broker.port}`

  const run = async (
    start: (record: () => void) => Promise<{ online: () => number; close: () => Promise<void> }>,
  ): Promise<{ attempts: number; peak: number; allBackMs: number | null }> => {
    const times: number[] = []
    let t0 = Number.POSITIVE_INFINITY
    const fleet = await start(() => {
      times.push(performance.now())
    })
    await until(() => fleet.online() === count, 30_000, 'fleet online')
    t0 = performance.now()
    await broker.stop() // SIGTERM: Mosquitto closes every connection at once, as on a crash or redeploy
    await pause(3000)
    await broker.start()
    let allBackMs: number | null = null
    try {
      await until(() => fleet.online() === count, 60_000, 'fleet back online', 20)
      allBackMs = performance.now() - t0
    } catch {
      allBackMs = null
    }
    const inWindow = times.filter((t) => t >= t0 && t < t0 + 5000)
    const buckets = new Map<number, number>()
    for (const t of inWindow)
      buckets.set(Math.floor((t - t0) / 100), (buckets.get(Math.floor((t - t0) / 100)) ?? 0) + 1)
    await fleet.close()
    return { attempts: inWindow.length, peak: Math.max(0, ...buckets.values()), allBackMs }
  }

  const raw = await run(async (record) => {
    const clients: MqttClient[] = []
    for (let i = 0; i < count; i++) {
      // MQTT.js's default: a fixed 1 s reconnect period.
      const c = connect(url, { protocolVersion: 5, reconnectPeriod: 1000, connectTimeout: 5000 })
      c.on('reconnect', record)
      c.on('error', () => {})
      clients.push(c)
    }
    return {
      online: () => clients.filter((c) => c.connected).length,
      close: async () => {
        await Promise.all(clients.map((c) => c.endAsync(true)))
      },
    }
  })
  const ours = await run(async (record) => {
    const base = tcp()
    const counted: Transport = {
      ...base,
      open: (e, o) => {
        record()
        return base.open(e, o)
      },
    }
    const clients = Array.from({ length: count }, () =>
      createClient({ broker: mosquitto({ host: '127.0.0.1', port: broker.port }), transport: counted }),
    )
    clients.forEach((c) => c.on('error', () => {}))
    await Promise.all(clients.map((c) => c.connect()))
    // Initial connects are not part of the storm.
    return {
      online: () => clients.filter((c) => c.state === 'online').length,
      close: async () => {
        await Promise.all(clients.map((c) => c.close({ force: true })))
      },
    }
  })
  // The initial connects of tidings were recorded before t0 and fall outside the window.
  await broker.close()
  const back = (ms: number | null): string => (ms === null ? '> 60 s' : `${(ms / 1000).toFixed(1)} s`)
  return [
    {
      name: `reconnect storm: attempts in the first 5 s (${count} clients)`,
      unit: 'attempts',
      raw: raw.attempts,
      tidings: ours.attempts,
      target: { max: 0.2 },
    },
    {
      name: 'reconnect storm: busiest 100 ms',
      unit: 'attempts',
      raw: raw.peak,
      tidings: ours.peak,
      target: { max: 0.2 },
      note: `after a broker restart all ${count} clients were back in ${back(raw.allBackMs)} with raw MQTT.js and ${back(ours.allBackMs)} with tidings`,
    },
  ]
}

/** 200k awaited QoS 0 publishes in one burst against 20k: cost per publish must stay flat. */
async function burst(ctx: Parameters<BenchSuite>[0]): Promise<BenchRow[]> {
  const small = ctx.quick ? 5_000 : 20_000
  const large = small * 10
  const broker = await ctx.mosquitto()
  const profile = () => mosquitto({ host: '127.0.0.1', port: broker.port })
  const t = topic('bench/burst', bytes(), { qos: 0 })
  const payload = new Uint8Array(64)

  /** Wall time and client CPU time (user + system) of one awaited burst, in ms. */
  const tidingsBurst = async (n: number): Promise<{ ms: number; cpuMs: number }> => {
    const c = createClient({ broker: profile(), transport: tcp() })
    await c.connect()
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    await Promise.all(Array.from({ length: n }, () => c.publish(t, {}, payload)))
    const cpu = process.cpuUsage(cpu0)
    const ms = performance.now() - t0
    await c.close()
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000 }
  }
  const rawBurst = async (n: number, limitMs: number): Promise<{ ms: number; cpuMs: number } | null> => {
    const c = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: 5 })
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    let done = 0
    const buf = Buffer.from(payload)
    for (let i = 0; i < n; i++)
      c.publish('bench/burst', buf, { qos: 0 }, () => {
        done++
      })
    let out: { ms: number; cpuMs: number } | null
    try {
      await until(() => done >= n, limitMs, 'raw burst')
      const cpu = process.cpuUsage(cpu0)
      out = { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 }
    } catch {
      out = null
    }
    await c.endAsync(true)
    return out
  }
  // A warm-up burst first: the first one also pays for compiling the publish path. A small burst is short
  // (tens of ms), and whether a collection falls inside it is luck: the small figure is the mean of ten
  // bursts in a row (the same number of publishes as one large burst, so the same garbage to collect), the
  // large one the median of three. Each series starts after a full GC.
  await tidingsBurst(small)
  const smalls: Array<{ ms: number; cpuMs: number }> = []
  gc()
  for (let i = 0; i < 10; i++) smalls.push(await tidingsBurst(small))
  const larges: Array<{ ms: number; cpuMs: number }> = []
  for (let i = 0; i < 3; i++) {
    gc()
    larges.push(await tidingsBurst(large))
  }
  const ts = {
    ms: smalls.reduce((sum, x) => sum + x.ms, 0) / smalls.length,
    cpuMs: smalls.reduce((sum, x) => sum + x.cpuMs, 0) / smalls.length,
  }
  const tl = medianBy(larges)
  gc()
  const rs = await rawBurst(small, 60_000)
  gc()
  const rl = await rawBurst(small * 2, 30_000)
  await broker.close()
  const range = (xs: Array<{ cpuMs: number }>): string =>
    `${Math.min(...xs.map((x) => x.cpuMs)).toFixed(0)}–${Math.max(...xs.map((x) => x.cpuMs)).toFixed(0)} ms`
  return [
    {
      // Client CPU, not wall time: a QoS 0 publish resolves once the socket took its bytes, so a burst larger
      // than the kernel's socket buffers waits for the broker to read them, and its wall time measures the
      // broker. The client's own cost per publish is what must stay flat.
      name: `awaited QoS 0 burst: client CPU of ${large / 1000}k ÷ client CPU of ${small / 1000}k`,
      unit: '×',
      raw: rs !== null && rl !== null ? (rl.cpuMs / rs.cpuMs) * 5 : null,
      tidings: tl.cpuMs / ts.cpuMs,
      note: `tidings: ${small / 1000}k awaited publishes in ${ts.ms.toFixed(0)} ms (${ts.cpuMs.toFixed(0)} ms CPU, mean of ${smalls.length} in a row: ${range(smalls)}), ${large / 1000}k in ${tl.ms.toFixed(0)} ms (${tl.cpuMs.toFixed(0)} ms CPU, median of ${larges.length}: ${range(larges)}; target ≤ 12×; the wall time of the large burst includes waiting for the broker to read ${((large * 75) / 1e6).toFixed(0)} MB). Raw MQTT.js with per-publish callbacks: ${small / 1000}k in ${rs ? `${rs.ms.toFixed(0)} ms (${rs.cpuMs.toFixed(0)} ms CPU)` : '> 60000 ms'}, ${(small * 2) / 1000}k in ${rl ? `${rl.ms.toFixed(0)} ms (${rl.cpuMs.toFixed(0)} ms CPU)` : '> 30000 ms'} (its ratio column extrapolates 2× to 10× linearly, which flatters it).`,
    },
  ]
}

/** The sample with the median CPU time (the middle one of an odd count). */
function medianBy<T extends { cpuMs: number }>(samples: readonly T[]): T {
  return [...samples].sort((a, b) => a.cpuMs - b.cpuMs)[Math.floor(samples.length / 2)]!
}
