import type { Style } from '../output/style.js'
import type { BenchResult, Recorder } from './stats.js'

const NOUN = { conn: 'connections', pub: 'messages acked', sub: 'messages received' } as const

/** The summary table of a run. */
export function summaryTable(result: BenchResult, style: Style): string[] {
  const rows: Array<[string, string]> = [
    ['clients', String(result.clients)],
    [NOUN[result.kind], String(result.ok)],
    ['errors', String(Object.values(result.errors).reduce((a, b) => a + b, 0))],
    ['time', `${result.seconds} s`],
    ['rate', `${result.rate}/s`],
  ]
  if (result.latencyMs) {
    const l = result.latencyMs
    rows.push(['latency p50', `${l.p50} ms`], ['latency p90', `${l.p90} ms`], ['latency p99', `${l.p99} ms`])
    rows.push(['latency max', `${l.max} ms`])
  }
  for (const [code, count] of Object.entries(result.errors)) rows.push([`  ${code}`, String(count)])
  const width = Math.max(...rows.map(([k]) => k.length))
  return [style.bold(`bench ${result.kind}`), ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)]
}

/** A live one-line progress display on a terminal; does nothing elsewhere. */
export function progressLine(
  stream: { isTTY?: boolean; write(chunk: string): unknown },
  recorder: Recorder,
  target: number,
): () => void {
  if (!stream.isTTY) return () => {}
  const draw = () => {
    const seconds = (performance.now() - recorder.started) / 1000
    const rate = seconds > 0 ? Math.round(recorder.ok / seconds) : 0
    stream.write(`\r\u001b[2K${recorder.ok}/${target} ok, ${recorder.failed} errors, ${rate}/s`)
  }
  const timer = setInterval(draw, 200)
  return () => {
    clearInterval(timer)
    draw()
    stream.write('\n')
  }
}
