/** Wall time and client CPU of `fn`, in ms and µs of CPU per `count` items. */
export async function measure(
  count: number,
  fn: () => Promise<void>,
): Promise<{ ms: number; cpuUsPerItem: number; perSecond: number }> {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await fn()
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { ms, cpuUsPerItem: (cpu.user + cpu.system) / count, perSecond: (count / ms) * 1000 }
}

/** Resolves when `condition()` holds (checked every `everyMs`), or rejects after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string, everyMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`bench: ${what} did not happen within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc
  if (!collect) throw new Error('bench: run node with --expose-gc')
  collect()
  collect()
}

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
