import { getHeapStatistics } from 'node:v8'
import { serveParent } from '../child.js'
import type { BatchResult, Command, RttResult, Side } from './protocol.js'
import { rawSide } from './raw-side.js'
import type { SideClient } from './side.js'
import { tidingsSide } from './tidings-side.js'

// One side of the client-bound suite: its publisher and subscriber live in this process, so
// `process.cpuUsage()` here is exactly that side's client CPU. Started by the suite with an IPC channel.
const [side, host, port] = process.argv.slice(2) as [Side, string, string]

const collect = (globalThis as { gc?: () => void }).gc
if (!collect) throw new Error('bench worker: run node with --expose-gc')

/** Samples the heap every this many received messages: often enough to see the peak, cheap next to them. */
const HEAP_SAMPLE_EVERY = 256

async function batch(
  client: SideClient,
  qos: 0 | 1,
  count: number,
  window: number,
  probeHeap: boolean,
): Promise<BatchResult> {
  collect!()
  collect!()
  const base = getHeapStatistics().used_heap_size
  let peak = base
  let retained: number | undefined
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await client.batch(qos, count, window, (received) => {
    if (received % HEAP_SAMPLE_EVERY === 0) peak = Math.max(peak, getHeapStatistics().used_heap_size)
    if (probeHeap && received === Math.floor(count / 2)) {
      collect!()
      retained = getHeapStatistics().used_heap_size - base
    }
  })
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return {
    ms,
    cpuUs: cpu.user + cpu.system,
    heapPeakDelta: peak - base,
    ...(retained === undefined ? {} : { heapRetained: retained }),
  }
}

async function rtt(client: SideClient, count: number): Promise<RttResult> {
  const samples = (await client.rtt(count)).sort((a, b) => a - b)
  const at = (p: number): number => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!
  return { p50: at(0.5), p99: at(0.99) }
}

const client = side === 'raw' ? await rawSide(`mqtt://${host}:${port}`) : await tidingsSide(host, Number(port))
serveParent(async (raw) => {
  const command = raw as unknown as Command
  switch (command.op) {
    case 'batch':
      return batch(client, command.qos, command.count, command.window, command.probeHeap)
    case 'rtt':
      return rtt(client, command.count)
    case 'send':
      return client.send(command.count)
    case 'close':
      return client.close()
  }
})
