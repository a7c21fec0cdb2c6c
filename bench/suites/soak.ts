import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MosquittoFixture } from '@tidings/conformance/fixtures'
import { type Child, startChild } from '../child.js'
import { slope } from '../clientbound/stats.js'
import { SUBSCRIPTIONS } from '../soak/clients.js'
import { type HeapGrowth, heapGrowth } from '../soak/snapshot-diff.js'
import type { BenchRow, BenchSuite } from '../types.js'

const entry = fileURLToPath(new URL('../soak/worker.ts', import.meta.url))
/** Growth over the last half of the run, in bytes per cycle, above which the heap counts as still rising. */
const RISING = 100

/**
 * Reconnect soak: a client with 50 subscriptions goes through a few hundred broker restarts; the heap is
 * read after a full GC every few cycles. Reports the least-squares slope of heap per cycle, over the whole
 * run and over its last half (a leak keeps rising; warm-up growth flattens), the slope of each heap space,
 * and, from heap snapshots at the middle and the end, how much of the last half's growth is program data
 * (objects, arrays, strings, closures) and how much V8's compiled code and its metadata (see
 * `bench/soak/README.md`). The client runs in a worker process of its own and the broker in another, so the
 * heap is the client's. Not run by default: `pnpm bench --only soak`.
 */
export const soak: BenchSuite = async (ctx) => {
  const cycles = ctx.quick ? 40 : 300
  const every = ctx.quick ? 5 : 10
  const timeLimitMs = ctx.quick ? 60_000 : 240_000
  const broker = await ctx.mosquitto()
  const rows: BenchRow[] = []
  const results: SideRun[] = []
  for (const side of ['raw', 'tidings'] as const) {
    ctx.log(`soak ${side}: ${cycles} broker restarts, heap every ${every}`)
    const client = await startChild(entry, [side, String(broker.port)], [], `${side} soak worker`)
    results.push({ side, ...(await run(broker, client, { cycles, every, timeLimitMs })) })
  }
  const [raw, ours] = results as [SideRun, SideRun]
  const what = `${SUBSCRIPTIONS} subscriptions, Mosquitto restarts`
  const perCycle = (r: SideRun, pick: (g: HeapGrowth) => number): number | null =>
    r.growth ? pick(r.growth) / r.growth.cycles : null
  rows.push(
    {
      name: `soak: heap slope per reconnect cycle, after GC, code spaces excluded (${raw.cycles} / ${ours.cycles} cycles, ${what})`,
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
    {
      name: `soak: last-half growth in objects, arrays, strings and closures, from heap snapshots (${what})`,
      unit: 'B/cycle',
      raw: perCycle(raw, (g) => g.jsBytes),
      tidings: perCycle(ours, (g) => g.jsBytes),
      compare: false,
    },
    {
      name: `soak: last-half growth in V8 compiled code and its metadata, from heap snapshots (${what})`,
      unit: 'B/cycle',
      raw: perCycle(raw, (g) => g.v8CodeBytes),
      tidings: perCycle(ours, (g) => g.v8CodeBytes),
      compare: false,
      note: results
        .map(
          (r) =>
            `soak ${r.side}, slope per heap space (B/cycle): ${Object.entries(r.spaceSlopes)
              .filter(([, v]) => Math.abs(v) >= 1)
              .map(([space, v]) => `${space} ${v.toFixed(0)}`)
              .join(', ')}`,
        )
        .join('\n- '),
    },
  )
  return rows
}

type SideRun = { side: 'raw' | 'tidings' } & Awaited<ReturnType<typeof run>>

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`

async function run(
  broker: MosquittoFixture,
  client: Child,
  options: { cycles: number; every: number; timeLimitMs: number },
): Promise<{
  cycles: number
  ms: number
  slope: number
  lastHalfSlope: number
  heap: number[]
  spaceSlopes: Record<string, number>
  growth?: HeapGrowth & { cycles: number }
}> {
  const started = performance.now()
  const xs: number[] = []
  const heap: number[] = []
  const spaces: Array<Record<string, number>> = []
  const dir = mkdtempSync(join(tmpdir(), 'tidings-soak-'))
  let middle: { path: string; cycle: number } | undefined
  let end: string | undefined
  let cycle = 0
  try {
    // The first `every` cycles warm the code paths up and are not sampled.
    for (; cycle < options.cycles && performance.now() - started < options.timeLimitMs; cycle++) {
      await client.request({ op: 'arm' })
      await broker.restart()
      await client.request({ op: 'cycle', index: cycle % SUBSCRIPTIONS })
      if ((cycle + 1) % options.every === 0 && cycle + 1 > options.every) {
        xs.push(cycle + 1)
        const sample = await client.request<{ total: number; spaces: Record<string, number> }>({ op: 'heap' })
        heap.push(sample.total)
        spaces.push(sample.spaces)
        // After the sample, so writing the snapshot never lands in a heap figure of its own cycle.
        if (!middle && cycle + 1 >= options.cycles / 2) {
          const path = join(dir, 'middle.heapsnapshot')
          await client.request({ op: 'snapshot', path })
          middle = { path, cycle: cycle + 1 }
        }
      }
    }
    if (middle) {
      end = join(dir, 'end.heapsnapshot')
      await client.request({ op: 'snapshot', path: end })
    }
  } finally {
    await client.close()
  }
  const half = Math.floor(xs.length / 2)
  const spaceSlopes = Object.fromEntries(
    Object.keys(spaces[0] ?? {}).map((space) => [
      space,
      slope(
        xs,
        spaces.map((s) => s[space] ?? 0),
      ),
    ]),
  )
  const growth = middle && end ? { ...heapGrowth(middle.path, end), cycles: cycle - middle.cycle } : undefined
  rmSync(dir, { recursive: true, force: true })
  return {
    cycles: cycle,
    ms: performance.now() - started,
    slope: slope(xs, heap),
    lastHalfSlope: slope(xs.slice(half), heap.slice(half)),
    heap,
    spaceSlopes,
    ...(growth && growth.cycles > 0 ? { growth } : {}),
  }
}
