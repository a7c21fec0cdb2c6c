import { TidingsError, isWellFormedUtf16 } from '@tidings/core'
import type { DynsecCommand } from './dynsec-types.js'
import { ADAPTER } from './errors.js'

// Deeper than any documented command (a role's ACL list is three levels down).
const MAX_DEPTH = 8

/**
 * Why `command` must not be sent to the plugin, or `undefined` when it may. Checked before a command joins
 * a batch, because two kinds of string do damage there that the plugin cannot report:
 *
 * - a NUL: Mosquitto's JSON parser ends the C string at it, so `alice\u0000x` names `alice` (a client could
 *   be given someone else's role, or a delete could hit someone else's);
 * - a lone UTF-16 surrogate: the parser rejects the whole message, so every other command of the batch
 *   would go unanswered and time out.
 *
 * Values JSON cannot carry faithfully (non-finite numbers, bigints, functions, cycles) are refused too.
 */
export function commandProblem(command: unknown): string | undefined {
  if (typeof command !== 'object' || command === null || Array.isArray(command)) return 'must be an object'
  const name = (command as { command?: unknown }).command
  if (typeof name !== 'string' || name.length === 0) return 'needs a "command" name'
  return valueProblem(command, 'command', 0, new Set())
}

/** An `INVALID_OPTIONS` error for a command {@link commandProblem} refuses, else `undefined`. The value itself is never echoed. */
export function checkCommand(command: DynsecCommand): TidingsError | undefined {
  const problem = commandProblem(command)
  if (problem === undefined) return undefined
  const name = typeof command?.command === 'string' ? ` ${safeName(command.command)}` : ''
  return new TidingsError('INVALID_OPTIONS', `dynsec${name} was not sent: ${problem}`, { adapter: ADAPTER })
}

function valueProblem(value: unknown, path: string, depth: number, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
      return stringProblem(value, path)
    case 'boolean':
    case 'undefined':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} must be a finite number`
    case 'object': {
      if (value === null) return undefined
      if (depth >= MAX_DEPTH) return `${path} is nested too deeply`
      if (seen.has(value)) return `${path} refers to itself`
      seen.add(value)
      for (const [key, item] of Object.entries(value)) {
        const keyProblem = stringProblem(key, `a key of ${path}`)
        if (keyProblem) return keyProblem
        const problem = valueProblem(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, depth + 1, seen)
        if (problem) return problem
      }
      seen.delete(value)
      return undefined
    }
    default:
      return `${path} must be JSON (got a ${typeof value})`
  }
}

function stringProblem(value: string, path: string): string | undefined {
  if (value.includes('\u0000')) return `${path} contains a NUL character, which Mosquitto would cut the string at`
  if (!isWellFormedUtf16(value))
    return `${path} contains a lone UTF-16 surrogate, which would make Mosquitto refuse the whole batch`
  return undefined
}

// Command names come from our own wrappers or the caller's execute(); never echo more than a short word.
function safeName(name: string): string {
  return /^[A-Za-z]{1,40}$/.test(name) ? name : '(unnamed command)'
}
