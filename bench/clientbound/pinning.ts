import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'

/** Where the broker and the client workers run. */
export interface Placement {
  /** `taskset` prefix for the worker processes (empty when not pinned). */
  workerPrefix: string[]
  /** CPU list the broker is pinned to, or undefined when not pinned. */
  brokerCpus: string | undefined
  /** One line for the report: how (or why not) the processes were pinned. */
  description: string
}

/**
 * Broker on core 0 and both workers on core 1, when the machine has two cores and `taskset`: the client
 * processes then compete with each other (as they do in turn, never at once) but not with the broker.
 */
export function placement(): Placement {
  const cores = availableParallelism()
  const taskset = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0
  if (cores >= 2 && taskset)
    return {
      workerPrefix: ['taskset', '-c', '1'],
      brokerCpus: '0',
      description: `${cores} cores: broker pinned to core 0, client workers to core 1 (taskset)`,
    }
  return {
    workerPrefix: [],
    brokerCpus: undefined,
    description: `not pinned (${cores} core${cores === 1 ? '' : 's'}${taskset ? '' : ', no taskset'}): broker and clients share the CPUs`,
  }
}

/** The pid of the Mosquitto started with `configPath` (the fixture does not expose its process). */
export function mosquittoPid(configPath: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let argv: string[]
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
    } catch {
      continue // exited while we looked
    }
    if (argv.includes(configPath) && argv.some((a) => a.endsWith('mosquitto'))) return Number(entry)
  }
  throw new Error(`bench: no mosquitto process runs ${configPath}`)
}

/** Pins every thread of `pid` to `cpus`. */
export function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' })
}

const ticksPerSecond = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU time (user + system) a process used so far, in µs, from `/proc/<pid>/stat`. */
export function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) / ticksPerSecond) * 1e6
}

/** Busy time of one core so far (everything but idle and iowait), in µs, from `/proc/stat`. */
export function coreBusyUs(core: number): number {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${core} `))
  if (!line) return Number.NaN
  const [, ...ticks] = line.trim().split(/\s+/).map(Number)
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0)
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0)
  return ((total - idle) / ticksPerSecond) * 1e6
}

/**
 * Keeps `core` from idling with a busy loop at the lowest priority, which yields to the workers whenever
 * they can run, for at most `maxMs` (the loop ends by itself). Resolves once it runs; the returned function
 * ends it. Used to tell a client's own latency from the machine's cost of waking an idle core.
 */
export async function keepAwake(core: number, maxMs: number): Promise<() => Promise<void>> {
  const loop = `const end = Date.now() + ${maxMs}; process.stdout.write('on\\n'); while (Date.now() < end) {}`
  const child = spawn('nice', ['-n', '19', 'taskset', '-c', String(core), process.execPath, '-e', loop], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = once(child, 'exit')
  await Promise.race([
    once(child.stdout!, 'data'),
    exited.then(() => Promise.reject(new Error('bench: the busy loop did not start'))),
  ])
  return async () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
  }
}
