/** Messages between the client-bound suite and its worker processes (one per side). */

/** Which client a worker runs: raw MQTT.js or tidings through its public API. */
export type Side = 'raw' | 'tidings'

/** A command from the suite to a worker. */
export type Command =
  | { id: number; op: 'batch'; qos: 0 | 1; count: number; window: number; probeHeap: boolean }
  | { id: number; op: 'rtt'; count: number }
  | { id: number; op: 'close' }

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
