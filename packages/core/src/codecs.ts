import type { StandardSchemaV1 } from '@standard-schema/spec'
import { utf8 } from './encoding.js'
import { TidingsError } from './errors.js'

/**
 * Turns payload values into bytes and back. `decode` may throw or reject: the client then reports
 * INVALID_PAYLOAD through its `error` event and the handler never sees the message.
 */
export interface Codec<V> {
  /** Short name for error messages: `'json'`, `'text'`, `'bytes'`, `'schema'`. */
  readonly name: string
  encode(value: V): Uint8Array | string | Promise<Uint8Array | string>
  decode(payload: Uint8Array): V | Promise<V>
}

/**
 * JSON payloads. The type parameter is trusted, not checked: use {@link schema} to validate.
 *
 * @example const prices = topic('price/{symbol}', json<{ bid: number; ask: number }>())
 */
export function json<V = unknown>(): Codec<V> {
  return {
    name: 'json',
    encode(value) {
      const text = JSON.stringify(value)
      if (text === undefined)
        throw new TidingsError('INVALID_PAYLOAD', `json: ${typeof value} cannot be encoded as JSON`)
      return text
    },
    decode: (payload) => JSON.parse(utf8(payload)) as V,
  }
}

/** UTF-8 text payloads. */
export function text(): Codec<string> {
  return {
    name: 'text',
    encode(value) {
      if (typeof value !== 'string')
        throw new TidingsError('INVALID_PAYLOAD', `text: expected a string, got ${typeof value}`)
      return value
    },
    decode: utf8,
  }
}

/** Raw bytes, passed through as they are. */
export function bytes(): Codec<Uint8Array> {
  return {
    name: 'bytes',
    encode(value) {
      if (!(value instanceof Uint8Array)) throw new TidingsError('INVALID_PAYLOAD', 'bytes: expected a Uint8Array')
      return value
    },
    decode: (payload) => payload,
  }
}

/**
 * JSON payloads validated by any Standard Schema validator (zod, valibot, arktype…), on receive and on publish.
 * A payload that fails validation never reaches a handler.
 *
 * @example const order = topic('order/{id}', schema(z.object({ id: z.string(), paid: z.boolean() })))
 */
export function schema<S extends StandardSchemaV1>(validator: S): Codec<StandardSchemaV1.InferOutput<S>> {
  type Out = StandardSchemaV1.InferOutput<S>
  const check = (value: unknown): Out | Promise<Out> => {
    const result = validator['~standard'].validate(value)
    return result instanceof Promise ? result.then(unwrap) : unwrap(result)
  }
  const unwrap = (result: StandardSchemaV1.Result<Out>): Out => {
    if (result.issues) {
      const detail = result.issues.map((issue) => `${formatPath(issue.path)}${issue.message}`).join('; ')
      throw new TidingsError('INVALID_PAYLOAD', `schema (${validator['~standard'].vendor}): ${detail}`, {
        cause: result.issues,
      })
    }
    return result.value
  }
  return {
    name: 'schema',
    encode(value) {
      const checked = check(value)
      return checked instanceof Promise ? checked.then((v) => JSON.stringify(v)) : JSON.stringify(checked)
    },
    decode: (payload) => check(JSON.parse(utf8(payload))),
  }
}

function formatPath(path: StandardSchemaV1.Issue['path']): string {
  if (!path || path.length === 0) return ''
  return `${path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.')}: `
}
