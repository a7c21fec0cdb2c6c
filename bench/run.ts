import { spawnMosquitto, type MosquittoFixture } from '@tidings/conformance/fixtures'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { clientbound } from './suites/clientbound.js'
import { connections } from './suites/connections.js'
import { dispatch } from './suites/dispatch.js'
import { soak } from './suites/soak.js'
import { throughput } from './suites/throughput.js'
import { ws } from './suites/ws.js'
import type { BenchContext, BenchRow, BenchSuite } from './types.js'

// `pnpm bench [--quick] [--only name,name]`: raw MQTT.js and tidings side by side, in one run, against
// brokers on loopback. Prints a markdown table and writes bench/results/latest.json. Suites marked
// `byDefault: false` (long ones) run only when named with --only.
const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]!.split(',')) : undefined

const suites: Array<[string, BenchSuite, { byDefault: boolean }?]> = [
  ['dispatch', dispatch],
  ['clientbound', clientbound],
  ['throughput', throughput],
  ['connections', connections],
  ['ws', ws],
  ['soak', soak, { byDefault: false }],
]

const brokers: MosquittoFixture[] = []
const ctx: BenchContext = {
  quick,
  log: (message) => console.error(`  ${message}`),
  mosquitto: async (options) => {
    const broker = await spawnMosquitto(options)
    brokers.push(broker)
    return broker
  },
}

const results: Array<BenchRow & { suite: string; ratio: number | null; pass: boolean | null }> = []
for (const [name, suite, options] of suites) {
  if (only ? !only.has(name) : options?.byDefault === false) continue
  console.error(`running ${name}…`)
  const started = performance.now()
  try {
    for (const row of await suite(ctx)) {
      const ratio = row.ratios
        ? row.ratios.median
        : row.compare === false
          ? null
          : row.raw !== null && row.tidings !== null && row.raw !== 0
            ? row.tidings / row.raw
            : null
      const pass =
        !row.target || ratio === null
          ? null
          : (row.target.min === undefined || ratio >= row.target.min) &&
            (row.target.max === undefined || ratio <= row.target.max)
      results.push({ ...row, suite: name, ratio, pass })
    }
  } finally {
    await Promise.all(brokers.splice(0).map((b) => b.close()))
  }
  console.error(`  ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

const fmt = (n: number | null): string =>
  n === null ? '—' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(3)
const target = (row: BenchRow): string =>
  row.target
    ? [
        row.target.min !== undefined ? `≥ ${row.target.min}` : '',
        row.target.max !== undefined ? `≤ ${row.target.max}` : '',
      ]
        .filter(Boolean)
        .join(' ')
    : ''
const ratioCell = (r: (typeof results)[number]): string =>
  r.ratio === null
    ? '—'
    : r.ratios
      ? `${r.ratio.toFixed(3)} (IQR ${r.ratios.q1.toFixed(2)}–${r.ratios.q3.toFixed(2)}; ${r.ratios.min.toFixed(2)}–${r.ratios.max.toFixed(2)})`
      : r.ratio.toFixed(3)
const lines = [
  `| measurement | unit | raw MQTT.js | tidings | tidings/raw | target | |`,
  `|---|---|---:|---:|---:|---|---|`,
  ...results.map(
    (r) =>
      `| ${r.name} | ${r.unit} | ${fmt(r.raw)} | ${fmt(r.tidings)} | ${ratioCell(r)} | ${target(r)} | ${r.pass === null ? '' : r.pass ? 'ok' : 'MISS'} |`,
  ),
  '',
  ...results.filter((r) => r.note).map((r) => `- ${r.note}`),
]
console.log(lines.join('\n'))

const out = join(here, 'results', 'latest.json')
mkdirSync(dirname(out), { recursive: true })
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, quick, results }, null, 2)}\n`,
)
console.error(`\nwrote ${out}`)
