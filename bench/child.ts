import { type ChildProcess, spawn } from 'node:child_process'

/** What a worker process sends back: `ready` once, then one answer per request. */
export type ChildReply =
  | { ready: true }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }

/** A bench worker process reached over IPC. */
export interface Child {
  readonly pid: number
  /** Sends `{ ...command, id }` and resolves with the worker's `result` (rejects with its error). */
  request<T>(command: { op: string } & Record<string, unknown>): Promise<T>
  /** Sends `{ op: 'close' }`, waits for the process to exit, and kills it if it does not within 5 s. */
  close(): Promise<void>
}

/**
 * Starts `entry` in a new Node process (same flags as this one, under `prefix`, e.g. `taskset -c 1`) and
 * resolves once it says it is ready (within 30 s). The process is killed if this one exits first.
 */
export async function startChild(entry: string, args: string[], prefix: string[], name: string): Promise<Child> {
  const argv = [process.execPath, ...process.execArgv, entry, ...args]
  const [command, ...rest] = [...prefix, ...argv] as [string, ...string[]]
  const child: ChildProcess = spawn(command, rest, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const killOnExit = (): void => {
    child.kill('SIGKILL')
  }
  process.once('exit', killOnExit)
  const pending = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>()
  let nextId = 1
  let exited: Error | undefined
  let ready!: () => void
  let failed!: (error: Error) => void
  const started = new Promise<void>((resolve, reject) => {
    ready = resolve
    failed = reject
  })
  child.on('message', (reply: ChildReply) => {
    if ('ready' in reply) return ready()
    const waiter = pending.get(reply.id)
    pending.delete(reply.id)
    if (reply.ok) waiter?.resolve(reply.result)
    else waiter?.reject(new Error(`${name}: ${reply.error}`))
  })
  const gone = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit)
      exited = new Error(`${name} exited (${signal ?? code})`)
      failed(exited)
      for (const waiter of pending.values()) waiter.reject(exited)
      pending.clear()
      resolve()
    })
  })
  const request = <T>(command: { op: string } & Record<string, unknown>): Promise<T> => {
    if (exited) return Promise.reject(exited)
    const id = nextId++
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (result: unknown) => void, reject })
      child.send({ ...command, id })
    })
  }
  const startTimer = setTimeout(() => failed(new Error(`${name} did not start within 30 s`)), 30_000)
  try {
    await started
  } catch (error) {
    if (!exited) child.kill('SIGKILL')
    await gone
    throw error
  } finally {
    clearTimeout(startTimer)
  }
  return {
    pid: child.pid!,
    request,
    async close() {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await request({ op: 'close' }).catch(() => {})
      await gone
      clearTimeout(timer)
    },
  }
}

/**
 * The worker's side of {@link startChild}: runs `handle` for each request and sends its result back;
 * `close` is answered, then the process leaves. Also leaves when the parent goes away.
 */
export function serveParent(
  handle: (command: { id: number; op: string } & Record<string, unknown>) => Promise<unknown>,
): void {
  const send = (reply: ChildReply): void => {
    process.send?.(reply)
  }
  process.on('disconnect', () => process.exit(0))
  process.on('message', (command: { id: number; op: string } & Record<string, unknown>) => {
    handle(command).then(
      (result) => {
        send({ id: command.id, ok: true, result: result ?? null })
        if (command.op === 'close') process.disconnect()
      },
      (error: unknown) => send({ id: command.id, ok: false, error: String(error) }),
    )
  })
  send({ ready: true })
}
