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
  /** `count` QoS 1 publishes one at a time to the side's receiver (see receiver.ts). */
  send(count: number): Promise<void>
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
    send: (count) => child.request<void>({ op: 'send', count }),
    close: () => child.close(),
  }
}

/** A subscriber of one side in a process of its own (see receiver.ts). */
export interface Receiver {
  /** Waits for `count` messages since the last call and returns their percentiles. */
  collect(count: number): Promise<RttResult>
  close(): Promise<void>
}

const receiverEntry = fileURLToPath(new URL('./receiver.ts', import.meta.url))

/** Starts a receiver (under `prefix`) and resolves once it is subscribed. */
export async function startReceiver(side: Side, host: string, port: number, prefix: string[]): Promise<Receiver> {
  const child = await startChild(receiverEntry, [side, host, String(port)], prefix, `${side} receiver`)
  return {
    collect: (count) => child.request<RttResult>({ op: 'collect', count }),
    close: () => child.close(),
  }
}
