import { fileURLToPath } from 'node:url'
import { startChild } from '../child.js'
import type { BatchResult, RttResult, Side } from './protocol.js'

/** A worker process running one side's publisher and subscriber. */
export interface Worker {
  readonly side: Side
  readonly pid: number
  /** One batch; with `probeHeap` it also collects garbage mid-batch, so its time and CPU are not comparable. */
  batch(qos: 0 | 1, count: number, window: number, probeHeap?: boolean): Promise<BatchResult>
  rtt(count: number): Promise<RttResult>
  /** Closes the clients and waits for the process to exit; kills it if it does not within 5 s. */
  close(): Promise<void>
}

const entry = fileURLToPath(new URL('./worker.ts', import.meta.url))

/** Starts a worker (under `prefix`, e.g. `taskset -c 1`) and resolves once its clients are connected. */
export async function startWorker(side: Side, host: string, port: number, prefix: string[]): Promise<Worker> {
  const child = await startChild(entry, [side, host, String(port)], prefix, `${side} worker`)
  return {
    side,
    pid: child.pid,
    batch: (qos, count, window, probeHeap = false) =>
      child.request<BatchResult>({ op: 'batch', qos, count, window, probeHeap }),
    rtt: (count) => child.request<RttResult>({ op: 'rtt', count }),
    close: () => child.close(),
  }
}
