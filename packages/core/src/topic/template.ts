import type { Codec } from '../codecs.js'
import { TidingsError } from '../errors.js'
import { assertParamValue } from './validate.js'

/** The parameter names in a topic template: `'user/{userId}/x'` → `'userId'`. */
export type TopicParamNames<T extends string> = T extends `${string}{${infer P}}${infer Rest}`
  ? P | TopicParamNames<Rest>
  : never

/** The parameters a template needs to build a topic name: one string per `{name}` level. */
export type TopicParams<T extends string> = { [K in TopicParamNames<T>]: string }

/** Options of a topic definition. */
export interface TopicOptions<R = unknown> {
  /** QoS for publishes and subscriptions of this topic. @default 0, or 1 for a request topic (with `reply`) */
  qos?: 0 | 1 | 2
  /** Publish retained by default (the broker keeps the last value for new subscribers). @default false */
  retain?: boolean
  /**
   * The codec of the answer: makes the topic a request topic, usable with `client.request()` and
   * `client.respond()`. Requests use the topic's codec, replies this one.
   */
  reply?: Codec<R>
}

/**
 * A typed topic: a template with `{param}` levels, the payload codec, and delivery defaults.
 * Create with {@link topic}.
 */
export interface Topic<T extends string = string, V = unknown, R = unknown> {
  readonly template: T
  readonly codec: Codec<V>
  /** The reply codec of a request topic (see {@link RequestTopic}); undefined on a plain topic. */
  readonly reply?: Codec<R> | undefined
  readonly qos: 0 | 1 | 2
  readonly retain: boolean
  /** Parameter names in level order. */
  readonly params: readonly TopicParamNames<T>[]
  /** The concrete topic name; every parameter must be given. Throws INVALID_TOPIC. */
  name(params: TopicParams<T>): string
  /** A subscription filter: missing parameters become `+`. Throws INVALID_TOPIC. */
  filter(params?: Partial<TopicParams<T>>): string
  /**
   * Reads the parameters back from a received topic name, or `undefined` if it does not fit the
   * template or a parameter level holds `+` or `#` (a topic name never has wildcards). An empty level
   * gives an empty string: it is a valid MQTT level even though {@link Topic.name} refuses it.
   */
  parse(topicName: string): TopicParams<T> | undefined
}

/** A topic declared with a `reply` codec: `client.request()` sends on it and `client.respond()` answers. */
export interface RequestTopic<T extends string = string, V = unknown, R = unknown> extends Topic<T, V, R> {
  readonly reply: Codec<R>
}

/** The reply type of a request topic. */
export type TopicReply<X> = X extends RequestTopic<string, unknown, infer R> ? R : never

/** The payload type of a topic. */
export type TopicPayload<X> = X extends Topic<string, infer V> ? V : never

type Level =
  | { readonly literal: string; readonly param?: undefined }
  | { readonly literal?: undefined; readonly param: string }

const WILDCARD = /[+#]/
const PARAM_LEVEL = /^\{([A-Za-z_$][\w$]*)\}$/

/**
 * Defines a typed topic.
 *
 * @example
 * ```ts
 * const notifications = topic('user/{userId}/notifications', json<Notification>(), { qos: 1 })
 * notifications.name({ userId: '42' })  // 'user/42/notifications'
 * notifications.filter({})              // 'user/+/notifications'
 * ```
 */
export function topic<const T extends string, V, R>(
  template: T,
  codec: Codec<V>,
  options: TopicOptions<R> & { reply: Codec<R> },
): RequestTopic<T, V, R>
export function topic<const T extends string, V>(template: T, codec: Codec<V>, options?: TopicOptions): Topic<T, V>
export function topic<const T extends string, V>(
  template: T,
  codec: Codec<V>,
  options: TopicOptions = {},
): Topic<T, V> {
  const levels = parseTemplate(template)
  const paramIndexes: Array<[index: number, name: string]> = []
  levels.forEach((level, i) => {
    if (level.param !== undefined) paramIndexes.push([i, level.param])
  })
  const reply = options.reply
  // A request should not vanish on a flaky network: request topics default to QoS 1.
  const qos = options.qos ?? (reply ? 1 : 0)
  if (qos !== 0 && qos !== 1 && qos !== 2)
    throw new TidingsError('INVALID_OPTIONS', `qos must be 0, 1 or 2, got ${String(qos)}`)
  if (reply !== undefined && (typeof reply?.encode !== 'function' || typeof reply.decode !== 'function'))
    throw new TidingsError('INVALID_OPTIONS', `reply of "${template}" must be a codec (json(), text(), bytes()…)`)

  const build = (params: Record<string, unknown> | undefined, wildcard: boolean): string => {
    if (paramIndexes.length === 0) return template
    let out = ''
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!
      if (i > 0) out += '/'
      if (level.param === undefined) {
        out += level.literal
        continue
      }
      const value = params?.[level.param]
      if (value === undefined && wildcard) {
        out += '+'
        continue
      }
      assertParamValue(level.param, value, template)
      out += value
    }
    return out
  }

  return {
    template,
    codec,
    ...(reply ? { reply } : {}),
    qos,
    retain: options.retain ?? false,
    params: paramIndexes.map(([, name]) => name) as TopicParamNames<T>[],
    name: (params) => build(params as Record<string, unknown>, false),
    filter: (params) => build(params as Record<string, unknown> | undefined, true),
    parse(topicName) {
      // Hot path for parameterless topics: no split needed.
      if (paramIndexes.length === 0) return topicName === template ? ({} as TopicParams<T>) : undefined
      const parts = topicName.split('/')
      if (parts.length !== levels.length) return undefined
      const out: Record<string, string> = {}
      for (let i = 0; i < levels.length; i++) {
        const level = levels[i]!
        const part = parts[i]!
        if (level.param === undefined) {
          if (part !== level.literal) return undefined
        } else if (WILDCARD.test(part)) {
          // A wildcard is never a value: `rel/#` must not yield `{ x: '#' }`.
          return undefined
        } else out[level.param] = part
      }
      return out as TopicParams<T>
    },
  }
}

function parseTemplate(template: string): Level[] {
  if (typeof template !== 'string' || template.length === 0) {
    throw new TidingsError('INVALID_TOPIC', 'a topic template must be a non-empty string', { topic: String(template) })
  }
  const seen = new Set<string>()
  return template.split('/').map((part) => {
    const match = PARAM_LEVEL.exec(part)
    if (match) {
      const name = match[1]!
      if (seen.has(name))
        throw new TidingsError('INVALID_TOPIC', `parameter "${name}" appears twice in "${template}"`, {
          topic: template,
        })
      seen.add(name)
      return { param: name }
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this check refuses
    if (/[{}+#\u0000]/.test(part)) {
      throw new TidingsError(
        'INVALID_TOPIC',
        `level ${JSON.stringify(part)} of "${template}" is neither literal text nor a whole {param} (wildcards come from omitted params)`,
        { topic: template },
      )
    }
    return { literal: part }
  })
}
