import { bytes, TidingsError, topic, utf8, type TidingsClient } from '@tidings/core'
import type { Command } from 'commander'
import type { Io } from '../commands/sub.js'
import { parseCount, parseQos, parseSeconds } from '../commands/topic-arg.js'
import { resolveSettings, withConnectionOptions, type ConnectionFlags } from '../connection/options.js'
import { openClient, type OpenClient } from '../connection/open.js'
import type { ConnectionSettings } from '../connection/settings.js'
import { progressLine, summaryTable } from './report.js'
import { Recorder, type BenchResult } from './stats.js'

interface BenchFlags extends ConnectionFlags {
  clients: string
  count?: string
  rate?: string
  qos?: string
  topic: string
  size?: string
  duration: string
  json?: boolean
}

const MAX_CLIENTS = 10_000

/** `tidings bench conn|pub|sub`: a load generator with a live progress line and a summary. */
export function registerBench(program: Command, io: Io, run: (fn: () => Promise<void>) => Promise<void>): void {
  const bench = program.command('bench').description('load-test a broker: connections, publishing, subscribing')
  for (const kind of ['conn', 'pub', 'sub'] as const) {
    withConnectionOptions(
      bench
        .command(kind)
        .description(
          {
            conn: 'open -c clients (at --rate per second) and measure connect time',
            pub: 'each of -c clients publishes --count messages (at --rate per second each); latency = until acked',
            sub: 'each of -c clients subscribes and counts messages until --count each; latency from `tidings bench pub` timestamps',
          }[kind],
        )
        .option('-c, --clients <n>', 'number of clients', '10')
        .option('-C, --count <n>', 'messages per client (pub: sent, sub: expected)', '100')
        .option('-R, --rate <n>', 'conn: connections per second; pub: messages per second per client')
        .option('-q, --qos <qos>', 'QoS 0, 1 or 2', '0')
        .option('-t, --topic <topic>', 'topic; %i is replaced by the client number', 'tidings/bench/%i')
        .option('-s, --size <bytes>', 'pub: payload size (at least the timestamp)', '64')
        .option('-d, --duration <seconds>', 'stop after this long whatever the count', '60')
        .option('--json', 'print the summary as JSON'),
    ).action((flags: BenchFlags) => run(() => benchmark(kind, flags, io)))
  }
}

async function benchmark(kind: BenchResult['kind'], flags: BenchFlags, io: Io): Promise<void> {
  const clients = parseCount('--clients', flags.clients) ?? 10
  if (clients > MAX_CLIENTS) throw new TidingsError('INVALID_OPTIONS', `--clients is at most ${MAX_CLIENTS}`)
  const count = parseCount('--count', flags.count) ?? 100
  const rate = parseCount('--rate', flags.rate)
  const qos = parseQos(flags.qos)
  const size = Math.min(parseCount('--size', flags.size) ?? 64, 16 * 1024 * 1024)
  const deadline = performance.now() + (parseSeconds('--duration', flags.duration) ?? 60) * 1000
  const settings = resolveSettings(flags)
  const recorder = new Recorder()
  const target = kind === 'conn' ? clients : clients * count
  const endProgress = progressLine(process.stderr, recorder, target)
  const open: TidingsClient[] = []
  const topicFor = (i: number) => flags.topic.replaceAll('%i', String(i))
  const connect = async (i: number, sub: string[], pub: string[]): Promise<OpenClient | undefined> => {
    const own: ConnectionSettings = settings.clientId
      ? { ...settings, clientId: `${settings.clientId}-${i}` }
      : settings
    const started = performance.now()
    try {
      const opened = await openClient(own, { subscribe: sub, publish: pub })
      open.push(opened.client)
      if (kind === 'conn') recorder.success(performance.now() - started)
      return opened
    } catch (error) {
      recorder.failure(error)
      return undefined
    }
  }
  try {
    if (kind === 'conn') {
      const gap = rate ? 1000 / rate : 0
      const pending: Promise<unknown>[] = []
      for (let i = 0; i < clients && performance.now() < deadline; i++) {
        pending.push(connect(i, [], []))
        if (gap) await sleep(gap)
      }
      await Promise.all(pending)
    } else if (kind === 'pub') {
      await Promise.all(
        Array.from({ length: clients }, async (_, i) => {
          const name = topicFor(i)
          const client = (await connect(i, [], [name]))?.client
          if (!client) return
          const t = topic(name, bytes(), { qos })
          const gap = rate ? 1000 / rate : 0
          for (let n = 0; n < count && performance.now() < deadline; n++) {
            const started = performance.now()
            try {
              await client.publish(t, {}, stamp(n, size))
              recorder.success(performance.now() - started)
            } catch (error) {
              recorder.failure(error)
            }
            if (gap) await sleep(Math.max(0, gap - (performance.now() - started)))
          }
        }),
      )
    } else {
      let subscribed = 0
      await Promise.all(
        Array.from({ length: clients }, async (_, i) => {
          const filter = topicFor(i)
          const opened = await connect(i, [filter], [])
          if (!opened) return
          let got = 0
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.max(0, deadline - performance.now()))
            opened
              .session()
              .subscribeRaw(
                filter,
                (payload) => {
                  recorder.success(latencyOf(payload))
                  if (++got >= count) {
                    clearTimeout(timer)
                    resolve()
                  }
                },
                { qos },
              )
              .then(() => {
                // Scripts start `bench pub` once every subscriber is in place.
                if (++subscribed === clients) io.err(`subscribed ${clients} clients`)
              })
              .catch((error: unknown) => {
                recorder.failure(error)
                clearTimeout(timer)
                resolve()
              })
          })
        }),
      )
    }
  } finally {
    endProgress()
    await Promise.all(open.map((c) => c.close({ force: true })))
  }
  const result = recorder.result(kind, clients)
  if (flags.json) io.out(JSON.stringify(result))
  else for (const line of summaryTable(result, io.style)) io.out(line)
  if (result.ok === 0 && recorder.failed > 0) {
    throw new TidingsError('NOT_CONNECTED', `every ${kind === 'conn' ? 'connection' : 'client'} failed`)
  }
}

// Payload: `{"ts":<epoch ms>,"n":<seq>}` padded with spaces to `size`, so `bench sub` can measure latency.
function stamp(n: number, size: number): Uint8Array {
  const head = JSON.stringify({ ts: Date.now(), n })
  const out = new Uint8Array(Math.max(size, head.length)).fill(0x20)
  out.set(Buffer.from(head))
  return out
}

function latencyOf(payload: Uint8Array): number | undefined {
  try {
    const ts = (JSON.parse(utf8(payload)) as { ts?: unknown }).ts
    return typeof ts === 'number' ? Date.now() - ts : undefined
  } catch {
    return undefined
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
