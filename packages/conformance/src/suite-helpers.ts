/** Helpers of the shared conformance suite: collecting deliveries and waiting for conditions. */

export interface Collected<V> {
  values: V[]
  metas: Array<{ qos: number; retain: boolean; params: Record<string, string> }>
  push: (value: V, meta: { qos: number; retain: boolean; params: Record<string, string> }) => void
  until(count: number, timeoutMs?: number): Promise<void>
}

export function collect<V>(): Collected<V> {
  const out: Collected<V> = {
    values: [],
    metas: [],
    push: (value, meta) => {
      out.values.push(value)
      out.metas.push(meta)
    },
    until: (count, timeoutMs = 5000) =>
      waitUntil(
        () => out.values.length >= count,
        timeoutMs,
        () => `got ${out.values.length}/${count}`,
      ),
  }
  return out
}

/** Polls `condition` every 20 ms until true, or fails after `timeoutMs` with `describe()`. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  describe: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms ${describe()}`)
    await pause(20)
  }
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
