import type { MosquittoFixture, SpawnMosquittoOptions } from '@tidings/conformance/fixtures'
import type { Spread } from './clientbound/stats.js'

/** One line of the results table: the same measurement for raw MQTT.js and for tidings. */
export interface BenchRow {
  /** What was measured, e.g. `QoS 0 throughput (200k × 64 B)`. */
  name: string
  /** Unit of `raw` and `tidings`, e.g. `msg/s`, `µs/msg`, `ms`, `KB`. */
  unit: string
  /** Raw MQTT.js's figure (or the baseline the row compares against); `null` when it did not finish. */
  raw: number | null
  tidings: number | null
  /**
   * tidings/raw measured as pairs (each pair one raw and one tidings sample): the median of the pair ratios
   * and their spread. When given, the table's ratio is its median rather than `tidings / raw`.
   */
  ratios?: Spread
  /** `false`: the two figures are shown side by side without a ratio (e.g. slopes near zero). */
  compare?: false
  /** Target for tidings/raw: at least `min`, at most `max`. */
  target?: { min?: number; max?: number }
  /** Extra context printed under the table. */
  note?: string
}

/** What a suite gets from the runner. */
export interface BenchContext {
  /** Spawns a Mosquitto on loopback (closed by the runner at the end). */
  mosquitto(options?: SpawnMosquittoOptions): Promise<MosquittoFixture>
  /** `--quick`: smaller counts, for a smoke run. */
  quick: boolean
  log(message: string): void
}

export type BenchSuite = (ctx: BenchContext) => Promise<BenchRow[]>
