import type { MosquittoFixture } from '@tidings/conformance/fixtures'
import { bytes, createClient, type TidingsClient, topic } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { connectAsync } from 'mqtt'
import { slope } from '../clientbound/stats.js'
import { gc, pause } from '../measure.js'
import type { BenchRow, BenchSuite } from '../types.js'

const SUBSCRIPTIONS = 50
/** Growth over the last half of the run, in bytes per cycle, above which the heap counts as still rising. */
const RISING = 100

/** One client under test: reconnects on its own; `reconnected()` resolves once it is back with its subscriptions. */
interface SoakClient {
  /** Resolves on the next reconnection (call before the drop). */
  nextOnline(): Promise<void>
  /** Publishes to subscription `index` until the client receives it (bounded), proving it resubscribed. */
  roundTrip(index: number): Promise<void>
  close(): Promise<void>
}

/**
 * Reconnect soak: a client with 50 subscriptions goes through a few hundred broker restarts; the heap is
 * read after a full GC every few cycles. Reports the least-squares slope of heap per cycle, over the whole
 * run and over its last half (a leak keeps rising; warm-up growth flattens). The broker runs in its own
 * process, so the heap is the client's. Not run by default: `pnpm bench --only soak`.
 */
export const soak: BenchSuite = async (ctx) => {
  const cycles = ctx.quick ? 40 : 300
  const every = ctx.quick ? 5 : 10
  const timeLimitMs = ctx.quick ? 60_000 : 240_000
  const broker = await ctx.mosquitto()
  const rows: BenchRow[] = []
  const results = []
  for (const [side, make] of [
    ['raw', rawClient],
    ['tidings', tidingsClient],
  ] as const) {
    ctx.log(`soak ${side}: ${cycles} broker restarts, heap every ${every}`)
    results.push({ side, ...(await run(broker, await make(broker), { cycles, every, timeLimitMs })) })
  }
  const [raw, ours] = results as [(typeof results)[0], (typeof results)[0]]
  const what = `${SUBSCRIPTIONS} subscriptions, Mosquitto restarts`
  rows.push(
    {
      name: `soak: heap slope per reconnect cycle, after GC (${raw.cycles} / ${ours.cycles} cycles, ${what})`,
      unit: 'B/cycle',
      raw: raw.slope,
      tidings: ours.slope,
      compare: false,
    },
    {
      name: `soak: heap slope per reconnect cycle over the last half (${what})`,
      unit: 'B/cycle',
      raw: raw.lastHalfSlope,
      tidings: ours.lastHalfSlope,
      compare: false,
      note: results
        .map(
          (r) =>
            `soak ${r.side}: ${r.cycles} cycles in ${(r.ms / 1000).toFixed(1)} s${r.cycles < cycles ? ' (stopped at the time limit)' : ''}, heap ${kb(r.heap[0]!)} → ${kb(r.heap.at(-1)!)}; ${r.lastHalfSlope > RISING ? 'still rising at the end' : 'flat at the end'} (last-half slope ${r.lastHalfSlope.toFixed(0)} B/cycle, threshold ${RISING})`,
        )
        .join('\n- '),
    },
  )
  return rows
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`

async function run(
  broker: MosquittoFixture,
  client: SoakClient,
  options: { cycles: number; every: number; timeLimitMs: number },
): Promise<{ cycles: number; ms: number; slope: number; lastHalfSlope: number; heap: number[] }> {
  const started = performance.now()
  const xs: number[] = []
  const heap: number[] = []
  let cycle = 0
  try {
    // The first `every` cycles warm the code paths up and are not sampled.
    for (; cycle < options.cycles && performance.now() - started < options.timeLimitMs; cycle++) {
      const online = client.nextOnline()
      await broker.restart()
      await online
      await client.roundTrip(cycle % SUBSCRIPTIONS)
      if ((cycle + 1) % options.every === 0 && cycle + 1 > options.every) {
        gc()
        xs.push(cycle + 1)
        heap.push(process.memoryUsage().heapUsed)
      }
    }
  } finally {
    await client.close()
  }
  const half = Math.floor(xs.length / 2)
  return {
    cycles: cycle,
    ms: performance.now() - started,
    slope: slope(xs, heap),
    lastHalfSlope: slope(xs.slice(half), heap.slice(half)),
    heap,
  }
}

/** Awaits `promise`, bounded: a cycle that does not come back fails the suite instead of hanging it. */
async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`bench soak: ${what} did not happen within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Publishes every 200 ms until `received` resolves, for at most 5 s. */
async function untilReceived(received: Promise<void>, publish: () => void): Promise<void> {
  let done = false
  void received.then(() => {
    done = true
  })
  for (let i = 0; i < 25 && !done; i++) {
    publish()
    await Promise.race([received, pause(200)])
  }
  if (!done) throw new Error('bench soak: a message to a resubscribed topic did not arrive within 5 s')
}

async function rawClient(broker: MosquittoFixture): Promise<SoakClient> {
  const client = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: 5, reconnectPeriod: 20 })
  let arrived: ((topic: string) => void) | undefined
  client.on('message', (t) => arrived?.(t))
  await client.subscribeAsync(
    Array.from({ length: SUBSCRIPTIONS }, (_, i) => `soak/raw/${i}`),
    { qos: 1 },
  )
  return {
    nextOnline: () =>
      within('raw reconnect', 10_000, new Promise<void>((resolve) => client.once('connect', () => resolve()))),
    roundTrip: (index) => {
      const name = `soak/raw/${index}`
      const received = new Promise<void>((resolve) => {
        arrived = (t) => t === name && resolve()
      })
      return untilReceived(received, () => client.publish(name, 'x', { qos: 0 }))
    },
    close: () => client.endAsync(),
  }
}

async function tidingsClient(broker: MosquittoFixture): Promise<SoakClient> {
  const client: TidingsClient = createClient({
    broker: mosquitto({ host: '127.0.0.1', port: broker.port }),
    transport: tcp(),
    // Short delays: the soak measures what each reconnect leaves behind, not the fleet-friendly backoff.
    reconnect: { baseMs: 20, capMs: 100 },
  })
  await client.connect()
  const topics = Array.from({ length: SUBSCRIPTIONS }, (_, i) => topic(`soak/tidings/${i}`, bytes(), { qos: 1 }))
  let arrived: ((index: number) => void) | undefined
  for (const [i, t] of topics.entries()) await client.subscribe(t, {}, () => arrived?.(i))
  return {
    nextOnline: () =>
      within(
        'tidings reconnect',
        10_000,
        new Promise<void>((resolve) => {
          const off = client.on('state', (state) => {
            if (state !== 'online') return
            off()
            resolve()
          })
        }),
      ),
    roundTrip: (index) => {
      const received = new Promise<void>((resolve) => {
        arrived = (i) => i === index && resolve()
      })
      return untilReceived(received, () => {
        void client.publish(topics[index]!, {}, new Uint8Array([0x78]), { qos: 0 }).catch(() => {})
      })
    },
    close: () => client.close(),
  }
}
