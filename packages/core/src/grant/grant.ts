import { TidingsError } from '../errors.js'
import type { Topic, TopicParams } from '../topic/template.js'
import { assertGrantFilter, identifierProblem } from './identifiers.js'

const PARAM_LEVEL = /^\{([A-Za-z_$][\w$]*)\}$/

/** The parameter names of a grant template; a trailing `/#` and literal `+` levels carry none. */
export type GrantParams<T extends string> = TopicParams<T>

/**
 * Builds a grant (a topic filter for a `CredentialRequest`) from a topic definition or a template,
 * checking every parameter strictly. Use it instead of string interpolation whenever a value comes from a
 * request: `` `user/${userId}/#` `` with user id `+` grants every user's topics; `grant()` refuses it.
 *
 * - `template` is a {@link Topic} from `topic()`, or a template string whose levels are literals,
 *   `{param}`, a literal `+`, or a final `#`.
 * - Every `{param}` must be given; a missing one throws, it never becomes a wildcard.
 * - Each value must be a non-empty string without `/ + # , %`, `${`, control characters or lone
 *   surrogates (`INVALID_TOPIC`).
 * - The result must be a filter that may be granted (see {@link assertGrantFilter}).
 *
 * @example
 * ```ts
 * grant('user/{userId}/#', { userId })   // 'user/42/#'
 * grant(notifications, { userId })       // 'user/42/notifications'
 * ```
 */
export function grant<const T extends string>(template: T | Topic<T, unknown>, params: GrantParams<T>): string {
  const source: string = typeof template === 'string' ? template : template?.template
  if (typeof source !== 'string' || source.length === 0) {
    throw new TidingsError('INVALID_TOPIC', 'grant() needs a topic definition or a non-empty template string')
  }
  const values = (params ?? {}) as Record<string, unknown>
  const levels = source.split('/')
  const out: string[] = []
  const used = new Set<string>()
  for (const level of levels) {
    const match = PARAM_LEVEL.exec(level)
    if (!match) {
      // Literal levels come from the developer, not the request; assertGrantFilter checks them with the result.
      if (/[{}]/.test(level)) {
        throw new TidingsError(
          'INVALID_TOPIC',
          `level ${JSON.stringify(level)} of "${source}" is not a whole {param}`,
          {
            topic: source,
          },
        )
      }
      out.push(level)
      continue
    }
    const name = match[1]!
    if (used.has(name)) {
      throw new TidingsError('INVALID_TOPIC', `parameter "${name}" appears twice in "${source}"`, { topic: source })
    }
    used.add(name)
    // biome-ignore lint/suspicious/noPrototypeBuiltins: Object.hasOwn is ES2022; the mini-program bundle targets ES2015
    if (!Object.prototype.hasOwnProperty.call(values, name) || values[name] === undefined) {
      throw new TidingsError('INVALID_TOPIC', `grant "${source}" needs parameter "${name}"`, { topic: source })
    }
    const problem = identifierProblem(values[name], 256)
    if (problem) {
      throw new TidingsError('INVALID_TOPIC', `parameter "${name}" of grant "${source}" ${problem}`, { topic: source })
    }
    out.push(values[name] as string)
  }
  const filter = out.join('/')
  assertGrantFilter(filter)
  return filter
}
