import { loadavg } from 'node:os'
import { keepAwake, mosquittoPid, pin, placement } from '../clientbound/pinning.js'
import type { RttResult } from '../clientbound/protocol.js'
import { apartPairs, type BatchSample, batchPairs, heapPairs, type Pair, rttPairs } from '../clientbound/run-pairs.js'
import { median, spread } from '../clientbound/stats.js'
import { type Receiver, startReceiver, startWorker, type Worker } from '../clientbound/workers.js'
import type { BenchRow, BenchSuite } from '../types.js'

/** Broker CPU share of its core above which the broker, not the clients, limits throughput. */
const SATURATED = 0.9

/**
 * Client-bound throughput, as backends publish: a bounded window of publishes in flight, publisher and
 * subscriber in one worker process per side (so each side's CPU is its own), the broker pinned to another
 * core, and interleaved pairs of batches whose ratios give the figures (median and spread).
 */
export const clientbound: BenchSuite = async (ctx) => {
  const window = 1000
  const pairs = ctx.quick ? 4 : 16
  const warmups = 2
  const heapProbes = ctx.quick ? 2 : 8
  const counts = { 0: ctx.quick ? 5_000 : 20_000, 1: ctx.quick ? 2_000 : 10_000 } as const
  const rtt = { rounds: ctx.quick ? 4 : 8, count: ctx.quick ? 300 : 1_000 }

  const place = placement()
  ctx.log(place.description)
  // Mosquitto keeps at most 1000 QoS 1 messages queued per subscriber by default and drops the rest.
  const broker = await ctx.mosquitto({ extraConfig: ['max_queued_messages 1000000'] })
  const brokerPid = mosquittoPid(broker.configPath)
  if (place.brokerCpus) pin(brokerPid, place.brokerCpus)
  const probe = { brokerPid, clientCore: place.brokerCpus ? 1 : undefined }
  const load0 = loadavg()[0]!

  const started: Array<Worker | Receiver> = []
  try {
    for (const side of ['raw', 'tidings'] as const)
      started.push(await startWorker(side, broker.host, broker.port, place.workerPrefix))
    const workers: Pair<Worker> = { raw: started[0] as Worker, tidings: started[1] as Worker }
    const rows: BenchRow[] = []
    const notes: string[] = [
      `client-bound: ${place.description}; ${pairs} pairs per figure after ${warmups} warm-up batches per side, window ${window}; ratios are the median of the pair ratios (IQR; min–max)`,
    ]
    for (const qos of [0, 1] as const) {
      ctx.log(`client-bound QoS ${qos}: ${pairs} pairs of ${counts[qos]} messages`)
      const samples = await batchPairs(workers, probe, { qos, count: counts[qos], window, pairs, warmups })
      rows.push(...batchRows(qos, counts[qos], window, samples))
      // At QoS 0 a publish is done once written, so little stays alive mid-batch (a few KB, within GC noise,
      // sometimes below the baseline): the retained heap is measured where the window holds state, at QoS 1.
      if (qos === 1) {
        const heap = await heapPairs(workers, { qos, count: counts[qos], window, pairs: heapProbes })
        rows.push({
          name: `client-bound: heap kept alive mid-batch, after GC (QoS 1, window ${window}, ${heapProbes} pairs)`,
          unit: 'KB',
          raw: median(heap.map((p) => p.raw / 1024)),
          tidings: median(heap.map((p) => p.tidings / 1024)),
          ratios: spread(heap.map((p) => p.tidings / p.raw)),
          target: { max: 1.5 },
        })
      }
      notes.push(loadNote(qos, samples))
    }
    ctx.log(`client-bound round trips: ${rtt.rounds} rounds of ${rtt.count}`)
    const what = `${rtt.rounds} rounds × ${rtt.count}`
    rows.push(...rttRows(`one at a time (${what})`, await rttPairs(workers, rtt.rounds, rtt.count), 1.0))
    // A backend and the devices it pushes to do not share a process: the same round trips with the
    // subscriber in a process of its own, on the same core. Each process then waits for its own packets only.
    for (const side of ['raw', 'tidings'] as const)
      started.push(await startReceiver(side, broker.host, broker.port, place.workerPrefix))
    const receivers: Pair<Receiver> = { raw: started[2] as Receiver, tidings: started[3] as Receiver }
    const apart = await apartPairs(workers, receivers, rtt.rounds, rtt.count)
    rows.push(...rttRows(`one at a time, subscriber in its own process (${what})`, apart, 1.0))
    notes.push(
      'client-bound: "subscriber in its own process" rounds send each message once the previous one was acknowledged, stamped with its send time (CLOCK_MONOTONIC, which every process of the machine shares); publisher and subscriber run on the same core',
    )
    if (probe.clientCore !== undefined) {
      // The first rounds again with the client core never idle. On a virtual machine waking an idle core is
      // costly (tens of µs), and it falls more often on the client that needs less CPU per message: it is
      // asleep again before the broker's next packet comes, where a slower one is still busy. Shown without
      // a target, to tell the clients' own latency from that cost.
      const stop = await keepAwake(probe.clientCore, 120_000)
      let awake: Array<Pair<RttResult>>
      try {
        awake = await rttPairs(workers, rtt.rounds, rtt.count)
      } finally {
        await stop()
      }
      rows.push(...rttRows(`one at a time, client core kept from idling (${what})`, awake, undefined))
      notes.push(
        'client-bound: "client core kept from idling" rounds run a lowest-priority busy loop on the client core, which yields to the workers: waking a client then needs no idle exit. They and the rounds with the subscriber in its own process separate the clients\' own round-trip latency from the cost of waking an idle core, which falls more often on the client that needs less CPU per message (it is asleep again before the broker\'s next packet comes, where a slower client is still busy)',
      )
    }
    notes.push(`client-bound: load average ${load0.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end`)
    rows.at(-1)!.note = notes.join('\n- ')
    for (const w of started.splice(0)) await w.close()
    return rows
  } finally {
    await Promise.all(started.map((w) => w.close()))
  }
}

function batchRows(qos: 0 | 1, count: number, window: number, samples: Array<Pair<BatchSample>>): BenchRow[] {
  const what = `QoS ${qos}, ${count / 1000}k × 64 B, window ${window}`
  const figure = (pick: (s: BatchSample) => number) => ({
    raw: median(samples.map((p) => pick(p.raw))),
    tidings: median(samples.map((p) => pick(p.tidings))),
    ratios: spread(samples.map((p) => pick(p.tidings) / pick(p.raw))),
  })
  const cpu = figure((s) => s.cpuUs / count)
  const stretch = cpu.ratios.median <= 0.75 ? 'met' : 'missed'
  return [
    {
      name: `client-bound: client CPU per message, user + system, pub + sub (${what})`,
      unit: 'µs/msg',
      ...cpu,
      target: { max: 0.9 },
      note: `client-bound QoS ${qos}: client CPU per message stretch target ≤ 0.75× ${stretch} (${cpu.ratios.median.toFixed(3)}×)`,
    },
    {
      name: `client-bound: throughput (${what})`,
      unit: 'msg/s',
      ...figure((s) => (count / s.ms) * 1000),
      target: { min: qos === 0 ? 0.95 : 1.1 },
    },
    {
      // Mostly young-generation garbage not yet scavenged: an indicator of allocation, shown without a target.
      name: `client-bound: peak heapUsed growth while publishing (${what})`,
      unit: 'KB',
      ...figure((s) => s.heapPeakDelta / 1024),
    },
  ]
}

/** Who limited the batches: the broker (its core near full while the clients were not), or the clients. */
function loadNote(qos: 0 | 1, samples: Array<Pair<BatchSample>>): string {
  const pct = (n: number): string => `${Math.round(n * 100)}%`
  const side = (s: 'raw' | 'tidings'): string => {
    const broker = median(samples.map((p) => p[s].brokerLoad))
    const client = median(samples.map((p) => p[s].clientLoad))
    const foreign = median(samples.map((p) => p[s].foreignLoad))
    const bound = broker >= SATURATED && broker > client ? 'broker-bound' : 'client-bound'
    return `${s}: broker ${pct(broker)} of a core, clients ${pct(client)}${Number.isNaN(foreign) ? '' : `, other processes on the client core ${pct(foreign)}`} (${bound})`
  }
  return `client-bound QoS ${qos} load (medians): ${side('raw')}; ${side('tidings')}`
}

/** The p50 and p99 rows of a set of interleaved round-trip rounds. */
function rttRows(how: string, pairs: Array<Pair<RttResult>>, max: number | undefined): BenchRow[] {
  return (['p50', 'p99'] as const).map((p) => ({
    name: `client-bound: QoS 1 round trip ${p}, ${how}`,
    unit: 'ms',
    raw: median(pairs.map((r) => r.raw[p])),
    tidings: median(pairs.map((r) => r.tidings[p])),
    ratios: spread(pairs.map((r) => r.tidings[p] / r.raw[p])),
    ...(max === undefined ? {} : { target: { max } }),
  }))
}
