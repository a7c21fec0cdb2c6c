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
