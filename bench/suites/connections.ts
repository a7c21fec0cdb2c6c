import { createClient, type TidingsClient, type Transport } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { connect, connectAsync, type MqttClient } from 'mqtt'
import { gc, pause, until } from '../measure.js'
import type { BenchRow, BenchSuite } from '../types.js'
import { awaitedBurst } from './awaited-burst.js'

/** Memory per idle connection, the reconnect storm, and large awaited bursts. */
export const connections: BenchSuite = async (ctx) => {
  const rows: BenchRow[] = []
  rows.push(...(await memory(ctx)))
  rows.push(...(await storm(ctx)))
  rows.push(...(await awaitedBurst(ctx)))
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
