import { coreBusyUs, processCpuUs } from './pinning.js'
import type { BatchResult, RttResult } from './protocol.js'
import type { Receiver, Worker } from './workers.js'

/** One batch of one side, with what the broker and the other processes did meanwhile. */
export interface BatchSample extends BatchResult {
  /** Broker CPU over the batch / wall time (1 = one core busy). */
  brokerLoad: number
  /** Worker CPU over the batch / wall time. */
  clientLoad: number
  /** Busy time of the client core not spent by the worker, / wall time (other processes: the noise). */
  foreignLoad: number
}

export interface Pair<T> {
  raw: T
  tidings: T
}

/** Where the measurement runs: the broker's pid and the core the workers are pinned to, if any. */
export interface Probe {
  brokerPid: number
  clientCore: number | undefined
}

async function sampleBatch(
  worker: Worker,
  probe: Probe,
  qos: 0 | 1,
  count: number,
  window: number,
): Promise<BatchSample> {
  const broker0 = processCpuUs(probe.brokerPid)
  const core0 = probe.clientCore === undefined ? Number.NaN : coreBusyUs(probe.clientCore)
  const result = await worker.batch(qos, count, window)
  const wallUs = result.ms * 1000
  const brokerUs = processCpuUs(probe.brokerPid) - broker0
  // The worker's garbage collection before its batch falls inside this window too, so the figure
  // overstates other processes' load a little; it is an indicator of noise, not a measurement.
  const coreUs = probe.clientCore === undefined ? Number.NaN : coreBusyUs(probe.clientCore) - core0
  return {
    ...result,
    brokerLoad: brokerUs / wallUs,
    clientLoad: result.cpuUs / wallUs,
    foreignLoad: Math.max(0, coreUs - result.cpuUs) / wallUs,
  }
}

/**
 * `warmups` batches per side (discarded), then `pairs` pairs of batches, alternating which side goes
 * first so neither always runs on the warmer or the quieter moment.
 */
export async function batchPairs(
  workers: Pair<Worker>,
  probe: Probe,
  options: { qos: 0 | 1; count: number; window: number; pairs: number; warmups: number },
): Promise<Array<Pair<BatchSample>>> {
  const { qos, count, window } = options
  for (let i = 0; i < options.warmups; i++)
    for (const worker of i % 2 === 0 ? [workers.raw, workers.tidings] : [workers.tidings, workers.raw])
      await worker.batch(qos, count, window)
  const pairs: Array<Pair<BatchSample>> = []
  for (let i = 0; i < options.pairs; i++) {
    const order = i % 2 === 0 ? (['raw', 'tidings'] as const) : (['tidings', 'raw'] as const)
    const pair: Partial<Pair<BatchSample>> = {}
    for (const side of order) pair[side] = await sampleBatch(workers[side], probe, qos, count, window)
    pairs.push(pair as Pair<BatchSample>)
  }
  return pairs
}

/**
 * Interleaved pairs of batches that collect garbage when half the messages have arrived: the heap a window
 * of publishes keeps alive. Kept apart from the timed batches, whose CPU the collection would distort.
 */
export async function heapPairs(
  workers: Pair<Worker>,
  options: { qos: 0 | 1; count: number; window: number; pairs: number },
): Promise<Array<Pair<number>>> {
  const pairs: Array<Pair<number>> = []
  for (let i = 0; i < options.pairs; i++) {
    const order = i % 2 === 0 ? (['raw', 'tidings'] as const) : (['tidings', 'raw'] as const)
    const pair: Partial<Pair<number>> = {}
    for (const side of order) {
      const result = await workers[side].batch(options.qos, options.count, options.window, true)
      if (result.heapRetained === undefined) throw new Error(`bench: the ${side} worker took no heap probe`)
      pair[side] = result.heapRetained
    }
    pairs.push(pair as Pair<number>)
  }
  return pairs
}

/** Interleaved rounds of one-at-a-time QoS 1 round trips, after one discarded round per side. */
export async function rttPairs(workers: Pair<Worker>, rounds: number, count: number): Promise<Array<Pair<RttResult>>> {
  await workers.raw.rtt(count)
  await workers.tidings.rtt(count)
  const pairs: Array<Pair<RttResult>> = []
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? (['tidings', 'raw'] as const) : (['raw', 'tidings'] as const)
    const pair: Partial<Pair<RttResult>> = {}
    for (const side of order) pair[side] = await workers[side].rtt(count)
    pairs.push(pair as Pair<RttResult>)
  }
  return pairs
}

/**
 * Interleaved rounds of one-at-a-time QoS 1 publishes to the subscriber in another process, after one
 * discarded round per side.
 */
export async function apartPairs(
  workers: Pair<Worker>,
  receivers: Pair<Receiver>,
  rounds: number,
  count: number,
): Promise<Array<Pair<RttResult>>> {
  const round = async (side: 'raw' | 'tidings'): Promise<RttResult> => {
    await workers[side].send(count)
    return receivers[side].collect(count)
  }
  await round('raw')
  await round('tidings')
  const pairs: Array<Pair<RttResult>> = []
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? (['tidings', 'raw'] as const) : (['raw', 'tidings'] as const)
    const pair: Partial<Pair<RttResult>> = {}
    for (const side of order) pair[side] = await round(side)
    pairs.push(pair as Pair<RttResult>)
  }
  return pairs
}
