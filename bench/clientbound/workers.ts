import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BatchResult, Command, Reply, RttResult, Side } from './protocol.js'

type Pending = { resolve(result: unknown): void; reject(error: Error): void }
type Request = Command extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never

/** A worker process running one side; `request` sends it a command and resolves with its answer. */
export interface Worker {
  readonly side: Side
  readonly pid: number
  /** One batch; with `probeHeap` it also collects garbage mid-batch, so its time and CPU are not comparable. */
  batch(qos: 0 | 1, count: number, window: number, probeHeap?: boolean): Promise<BatchResult>
  rtt(count: number): Promise<RttResult>
  /** Closes the clients and waits for the process to exit; kills it if it does not within 5 s. */
  close(): Promise<void>
}

const entry = fileURLToPath(new URL('./worker.ts', import.meta.url))

/** Starts a worker (under `prefix`, e.g. `taskset -c 1`) and resolves once its clients are connected. */
export async function startWorker(side: Side, host: string, port: number, prefix: string[]): Promise<Worker> {
  const argv = [process.execPath, ...process.execArgv, entry, side, host, String(port)]
  const [command, ...args] = [...prefix, ...argv] as [string, ...string[]]
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  // Whatever ends the suite, the worker must not outlive it.
  const killOnExit = (): void => {
    child.kill('SIGKILL')
  }
  process.once('exit', killOnExit)
  const pending = new Map<number, Pending>()
  let nextId = 1
  let exited: Error | undefined
  let ready!: () => void
  let failed!: (error: Error) => void
  const started = new Promise<void>((resolve, reject) => {
    ready = resolve
    failed = reject
  })
  child.on('message', (reply: Reply) => {
    if ('ready' in reply) return ready()
    const waiter = pending.get(reply.id)
    pending.delete(reply.id)
    if (reply.ok) waiter?.resolve(reply.result)
    else waiter?.reject(new Error(`${side} worker: ${reply.error}`))
  })
  const gone = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit)
      exited = new Error(`${side} worker exited (${signal ?? code})`)
      failed(exited)
      for (const waiter of pending.values()) waiter.reject(exited)
      pending.clear()
      resolve()
    })
  })
  const request = <T>(command: Request): Promise<T> => {
    if (exited) return Promise.reject(exited)
    const id = nextId++
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (result: unknown) => void, reject })
      child.send({ ...command, id })
    })
  }
  const kill = async (): Promise<void> => {
    if (!exited) child.kill('SIGKILL')
    await gone
  }
  const startTimer = setTimeout(() => failed(new Error(`${side} worker did not start within 30 s`)), 30_000)
  try {
    await started
  } catch (error) {
    await kill()
    throw error
  } finally {
    clearTimeout(startTimer)
  }
  return {
    side,
    pid: child.pid!,
    batch: (qos, count, window, probeHeap = false) =>
      request<BatchResult>({ op: 'batch', qos, count, window, probeHeap }),
    rtt: (count) => request<RttResult>({ op: 'rtt', count }),
    async close() {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await request<null>({ op: 'close' }).catch(() => {})
      await gone
      clearTimeout(timer)
    },
  }
}
