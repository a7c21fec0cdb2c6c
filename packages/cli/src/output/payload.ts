import { fromBase64, TidingsError, toBase64, utf8, utf8Bytes } from '@tidings/core'

/** How payloads are shown (`sub`) or read (`pub`). */
export const FORMATS = ['text', 'json', 'hex', 'base64'] as const
export type PayloadFormat = (typeof FORMATS)[number]

/** Checks a `--format` value. */
export function parseFormat(value: string | undefined): PayloadFormat {
  const format = value ?? 'text'
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new TidingsError('INVALID_OPTIONS', `--format must be one of ${FORMATS.join(', ')}, got ${format}`)
  }
  return format as PayloadFormat
}

/**
 * A received payload as a JSON-lines value: parsed JSON for `json` (the text when it is not JSON), else a
 * string in the format.
 */
export function payloadValue(payload: Uint8Array, format: PayloadFormat): unknown {
  switch (format) {
    case 'json': {
      const text = utf8(payload)
      try {
        return JSON.parse(text)
      } catch {
        return text
      }
    }
    case 'hex':
      return Buffer.from(payload).toString('hex')
    case 'base64':
      return toBase64(payload)
    default:
      return utf8(payload)
  }
}

/** A received payload as one line of text (pretty JSON on a terminal). */
export function payloadText(payload: Uint8Array, format: PayloadFormat, pretty: boolean): string {
  const value = payloadValue(payload, format)
  if (format === 'json' && typeof value !== 'string') return JSON.stringify(value, null, pretty ? 2 : undefined)
  return String(value)
}

/** Turns a message given on the command line or read from a file into bytes, checking it in the format. */
export function encodePayload(input: string | Uint8Array, format: PayloadFormat): Uint8Array {
  const text = typeof input === 'string' ? input : undefined
  switch (format) {
    case 'json': {
      const source = text ?? utf8(input as Uint8Array)
      try {
        JSON.parse(source)
      } catch (error) {
        throw new TidingsError('INVALID_PAYLOAD', `the message is not valid JSON: ${(error as Error).message}`)
      }
      return utf8Bytes(source)
    }
    case 'hex': {
      const source = (text ?? utf8(input as Uint8Array)).replace(/\s+/g, '')
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(source)) throw new TidingsError('INVALID_PAYLOAD', 'the message is not hex')
      return new Uint8Array(Buffer.from(source, 'hex'))
    }
    case 'base64': {
      const source = (text ?? utf8(input as Uint8Array)).replace(/\s+/g, '')
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(source))
        throw new TidingsError('INVALID_PAYLOAD', 'the message is not base64')
      return fromBase64(source)
    }
    default:
      return typeof input === 'string' ? utf8Bytes(input) : input
  }
}
