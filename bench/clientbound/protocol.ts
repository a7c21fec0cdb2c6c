/** Messages between the client-bound suite and its worker processes (one per side). */

/** Which client a worker runs: raw MQTT.js or tidings through its public API. */
export type Side = 'raw' | 'tidings'

/** A command from the suite to a worker. */
export type Command =
  | { id: number; op: 'batch'; qos: 0 | 1; count: number; window: number; probeHeap: boolean }
  | { id: number; op: 'rtt'; count: number }
  | { id: number; op: 'send'; count: number }
  | { id: number; op: 'close' }

/** A command from the suite to a receiver (a subscriber in a process of its own, one per side). */
export type ReceiverCommand = { id: number; op: 'collect'; count: number } | { id: number; op: 'close' }

/** The topic a worker's publisher sends to for the subscriber in another process. */
export function apartTopic(side: Side): string {
  return `bench/cb/${side}/apart`
}

/**
 * Puts the send time in the first 8 bytes of `payload`: `process.hrtime` reads CLOCK_MONOTONIC, one clock
 * for every process of the machine, so the receiver subtracts it from its own reading.
 */
export function stamp(payload: Uint8Array): void {
  new DataView(payload.buffer, payload.byteOffset, 8).setBigUint64(0, process.hrtime.bigint())
}

/** Microseconds since the send time in `payload` (see {@link stamp}). */
export function sinceStamp(payload: Uint8Array): number {
  return Number(process.hrtime.bigint() - new DataView(payload.buffer, payload.byteOffset, 8).getBigUint64(0)) / 1000
}

/** One windowed batch, measured inside the worker. */
export interface BatchResult {
  /** Wall time from the first publish until every message arrived (and, at QoS 1, every PUBACK). */
  ms: number
  /** `process.cpuUsage()` over the batch, user + system, in µs: publisher and subscriber together. */
  cpuUs: number
  /** Highest heapUsed sampled while publishing, minus heapUsed after a full GC before the batch, in bytes. */
  heapPeakDelta: number
  /**
   * With `probeHeap`: heapUsed after a full GC taken when half the messages have arrived (the window still
   * in flight), minus heapUsed after a full GC before the batch, in bytes. What the window keeps alive.
   */
  heapRetained?: number
}

/** One round of one-at-a-time QoS 1 round trips, in ms. */
export interface RttResult {
  p50: number
  p99: number
}
