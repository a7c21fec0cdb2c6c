import { isTidingsError } from '@tidings/core'

/** What one bench run measured. */
export interface BenchResult {
  readonly kind: 'conn' | 'pub' | 'sub'
  readonly clients: number
  /** Connections made (conn), messages acknowledged (pub) or received (sub). */
  readonly ok: number
  readonly errors: Record<string, number>
  readonly seconds: number
  /** ok per second over the run. */
  readonly rate: number
  /** Milliseconds: connect time (conn), publish-to-ack (pub) or publish-to-receive (sub). */
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number } | null
}

/** Collects latencies and errors while a bench runs. */
export class Recorder {
  private readonly latencies: number[] = []
  readonly errors = new Map<string, number>()
  ok = 0
  readonly started = performance.now()

  success(latencyMs: number | undefined): void {
    this.ok++
    if (latencyMs !== undefined && Number.isFinite(latencyMs)) this.latencies.push(latencyMs)
  }

  failure(error: unknown): void {
    const code = isTidingsError(error) ? error.code : 'INTERNAL'
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1)
  }

  get failed(): number {
    let n = 0
    for (const count of this.errors.values()) n += count
    return n
  }

  result(kind: BenchResult['kind'], clients: number): BenchResult {
    const seconds = (performance.now() - this.started) / 1000
    const sorted = [...this.latencies].sort((a, b) => a - b)
    return {
      kind,
      clients,
      ok: this.ok,
      errors: Object.fromEntries(this.errors),
      seconds: round(seconds),
      rate: round(seconds > 0 ? this.ok / seconds : 0),
      latencyMs:
        sorted.length === 0
          ? null
          : {
              p50: round(percentile(sorted, 50)),
              p90: round(percentile(sorted, 90)),
              p99: round(percentile(sorted, 99)),
              max: round(sorted[sorted.length - 1]!),
            },
    }
  }
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}
