import type { StandardSchemaV1 } from './standard-schema.js'
import { utf8, utf8Bytes } from './encoding.js'
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
 * Decoding refuses with INVALID_PAYLOAD an empty payload (MQTT's "clear the retained message", not a
 * JSON text), ill-formed UTF-8 (RFC 8259 §8.1: JSON exchanged between systems is UTF-8) and text that is
 * not JSON. One leading UTF-8 byte order mark is skipped, as RFC 8259 §8.1 permits parsers to do:
 * some producers (.NET's `Encoding.UTF8`, Windows editors) write one, and refusing it would drop
 * messages whose content is fine.
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
    decode: (payload) => parseJson('json', payload) as V,
  }
}

/**
 * UTF-8 text payloads. Decoding refuses ill-formed UTF-8 with INVALID_PAYLOAD rather than replacing
 * it with U+FFFD, so a handler never sees silently altered text. A byte order mark is kept: in a
 * text payload it is content.
 */
export function text(): Codec<string> {
  return {
    name: 'text',
    encode(value) {
      if (typeof value !== 'string')
        throw new TidingsError('INVALID_PAYLOAD', `text: expected a string, got ${typeof value}`)
      return value
    },
    decode: (payload) => strictUtf8('text', payload),
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
    decode: (payload) => check(parseJson('schema', payload)),
  }
}

/**
 * Decodes UTF-8, refusing ill-formed input. Every decoder tidings runs on (Node's Buffer, the `buffer`
 * package) replaces ill-formed sequences with U+FFFD, so text without U+FFFD is exact; text with one is
 * exact only if it encodes back to the same bytes. Works without TextDecoder (mini-programs lack it).
 */
function strictUtf8(codec: string, payload: Uint8Array): string {
  const text = utf8(payload)
  if (!text.includes('\uFFFD')) return text
  const again = utf8Bytes(text)
  let same = again.length === payload.length
  for (let i = 0; same && i < again.length; i++) same = again[i] === payload[i]
  if (!same) throw new TidingsError('INVALID_PAYLOAD', `${codec}: the payload is not well-formed UTF-8`)
  return text
}

/** JSON.parse with typed errors. The parser's message quotes the payload, so it is not passed on. */
function parseJson(codec: string, payload: Uint8Array): unknown {
  if (payload.length === 0)
    throw new TidingsError('INVALID_PAYLOAD', `${codec}: the payload is empty (an empty payload is not JSON)`)
  let text = strictUtf8(codec, payload)
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  try {
    return JSON.parse(text)
  } catch {
    throw new TidingsError('INVALID_PAYLOAD', `${codec}: the payload is not valid JSON (${payload.length} bytes)`)
  }
}

function formatPath(path: StandardSchemaV1.Issue['path']): string {
  if (!path || path.length === 0) return ''
  return `${path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.')}: `
}
