/** What a worker drives: one publisher and one subscriber of one kind of client, in the worker's process. */
export interface SideClient {
  /**
   * Publishes `count` messages of 64 B at `qos`, keeping at most `window` publishes outstanding (not yet
   * written at QoS 0, not yet acknowledged at QoS 1). Resolves once the subscriber received all of them.
   * `onReceived` is called for every message received, to sample the heap.
   */
  batch(qos: 0 | 1, count: number, window: number, onReceived: (received: number) => void): Promise<void>
  /** `count` QoS 1 round trips, one message at a time: publish → received. Durations in ms. */
  rtt(count: number): Promise<number[]>
  /**
   * `count` QoS 1 publishes one at a time to the subscriber in another process (see receiver.ts), each
   * stamped with its send time and sent once the previous one settled.
   */
  send(count: number): Promise<void>
  close(): Promise<void>
}

export const PAYLOAD = new Uint8Array(64).fill(0x61)

/** How long one batch may take before the worker reports it as failed instead of hanging. */
export const BATCH_TIMEOUT_MS = 60_000

/**
 * A promise resolved by `done()` once the condition checked by the caller holds, rejected after
 * {@link BATCH_TIMEOUT_MS}.
 */
export function completion(what: string): { promise: Promise<void>; done(): void; fail(error: unknown): void } {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  const timer = setTimeout(
    () => reject(new Error(`bench: ${what} did not finish within ${BATCH_TIMEOUT_MS} ms`)),
    BATCH_TIMEOUT_MS,
  )
  return {
    promise: promise.finally(() => clearTimeout(timer)),
    done: resolve,
    fail: reject,
  }
}

/**
 * The batch both sides run, so they are driven the same way: at most `window` publishes outstanding, the
 * next one sent when one settles; done once every publish settled and the subscriber got every message.
 * `send` publishes one message and calls `settled` when it settled (with the error, if it failed).
 * Returns the batch's promise and the subscriber's `received()` to call for each message.
 */
export function windowedBatch(
  what: string,
  count: number,
  window: number,
  onReceived: (received: number) => void,
  send: (settled: (error?: unknown) => void) => void,
): { promise: Promise<void>; received(): void } {
  const finished = completion(what)
  let sent = 0
  let outstanding = 0
  let acked = 0
  let received = 0
  let pumping = false
  const check = (): void => {
    if (received >= count && acked >= count) finished.done()
  }
  const settled = (error?: unknown): void => {
    if (error) return finished.fail(error)
    outstanding--
    acked++
    check()
    pump()
  }
  // MQTT.js calls a QoS 0 callback synchronously when the socket took the packet: the flag turns that
  // re-entry into another turn of the loop instead of a recursion as deep as the batch.
  const pump = (): void => {
    if (pumping) return
    pumping = true
    while (outstanding < window && sent < count) {
      sent++
      outstanding++
      send(settled)
    }
    pumping = false
  }
  pump()
  return {
    promise: finished.promise,
    received() {
      received++
      onReceived(received)
      check()
    },
  }
}

/** Runs `fn`, rejecting after {@link BATCH_TIMEOUT_MS} (one timer for a whole round, not one per message). */
export async function withTimeout<T>(what: string, fn: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`bench: ${what} did not finish within ${BATCH_TIMEOUT_MS} ms`)),
      BATCH_TIMEOUT_MS,
    )
  })
  try {
    return await Promise.race([fn(), timeout])
  } finally {
    clearTimeout(timer)
  }
}
