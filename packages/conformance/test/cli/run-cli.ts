import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The built `tidings` executable, run with `node` as the package's bin entry runs it. */
export const CLI = fileURLToPath(new URL('../../../cli/dist/cli.js', import.meta.url))

/** Fails with the command to run when the CLI is not built (`pnpm test` builds it before the tests). */
export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run pnpm turbo run build --filter=@tidings/cli...`)
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Environment for the CLI: no colour variables, no secrets leaking in from the test runner. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra }
  return env
}

/** Runs `tidings …args` to completion (killed after `timeoutMs`). */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: cliEnv(opts.env),
    cwd: opts.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const result = collect(child)
  child.stdin?.end(opts.input ?? '')
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000)
  return result.done.finally(() => clearTimeout(timer))
}

/** A long-running `tidings` process (sub, broker) whose output can be awaited line by line. */
export interface CliProcess {
  readonly child: ChildProcess
  /** Resolves once stdout (or stderr) contains a line matching `pattern`. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<string>
  readonly done: Promise<CliResult>
  stop(): Promise<CliResult>
}

/** Starts `tidings …args` in the background. */
export function startCli(args: string[], opts: { env?: Record<string, string> } = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] })
  const c = collect(child)
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const done = c.done.finally(() => clearTimeout(timer))
  return {
    child,
    done,
    waitFor: (pattern, stream = 'stdout', timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const line = c
            .text(stream)
            .split('\n')
            .find((l) => pattern.test(l))
          if (line !== undefined) resolve(line)
          return line !== undefined
        }
        if (check()) return
        const poll = setInterval(() => {
          if (check()) clearInterval(poll)
        }, 20)
        setTimeout(() => {
          clearInterval(poll)
          reject(new Error(`no ${stream} line matched ${pattern}:\n${c.text('stdout')}\n${c.text('stderr')}`))
        }, timeoutMs)
        done.then(() => {
          if (!check()) {
            clearInterval(poll)
            reject(new Error(`exited without ${pattern}:\n${c.text('stdout')}\n${c.text('stderr')}`))
          }
        })
      }),
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      return done
    },
  }
}

function collect(child: ChildProcess) {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const done = new Promise<CliResult>((resolve) => {
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
  return { done, text: (s: 'stdout' | 'stderr') => (s === 'stdout' ? stdout : stderr) }
}
