import { Buffer } from 'node:buffer'
import { TidingsError, assertIdentifier, type TidingsErrorCode } from '@tidings/core'
import { redactText } from '@tidings/core/server'
import type { EmqxApiOptions } from './api-types.js'

const ADAPTER = 'emqx'

/** A parsed answer of the REST API. */
export interface HttpResponse {
  status: number
  body: unknown
}

/** Sends one JSON request; rejects only when the API could not be reached. */
export type HttpRequest = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  query?: Record<string, string | number | undefined>,
) => Promise<HttpResponse>

/** A JSON-over-HTTP caller with Basic auth (API key : secret) against `<baseUrl>/api/v<apiVersion>`. */
export function createHttp(options: EmqxApiOptions, apiVersion: 5 | 4): HttpRequest {
  const prefix = `/api/v${apiVersion}`
  const base = options.baseUrl.replace(/\/+$/, '')
  const root = base.endsWith(prefix) ? base : `${base}${prefix}`
  const authorization = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`
  const timeoutMs = options.timeoutMs ?? 10_000
  const doFetch = options.fetch ?? globalThis.fetch
  return async (method, path, body, query) => {
    const search = new URLSearchParams()
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) search.set(key, String(value))
    const qs = search.toString()
    const url = `${root}${path}${qs ? `?${qs}` : ''}`
    let response: Response
    try {
      response = await doFetch(url, {
        method,
        headers: {
          authorization,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (cause) {
      const timedOut = (cause as { name?: string } | null)?.name === 'TimeoutError'
      throw new TidingsError(
        timedOut ? 'TIMEOUT' : 'API_UNAVAILABLE',
        `${method} ${path}: ${timedOut ? `no answer in ${timeoutMs} ms` : 'EMQX REST API unreachable'}`,
        { adapter: ADAPTER, cause },
      )
    }
    const text = await response.text()
    let parsed: unknown
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = text
      }
    }
    return { status: response.status, body: parsed }
  }
}

// `reason_code`s of EMQX 5's publish endpoints (emqx_mgmt_api_publish.erl).
const PUBLISH_REASONS: Record<number, TidingsErrorCode> = {
  144: 'INVALID_TOPIC', // topic_name_invalid
  151: 'PAYLOAD_TOO_LARGE', // packet_too_large (mqtt.max_packet_size)
  131: 'INVALID_PAYLOAD', // with 400: the base64 payload did not decode
}

// EMQX 4's numeric body codes (HTTP API "error codes" table).
const V4_CODES: Record<number, TidingsErrorCode> = {
  101: 'API_UNAVAILABLE', // RPC error
  102: 'API_ERROR', // unknown error
  103: 'NOT_AUTHORIZED', // bad username or password
  104: 'NOT_AUTHORIZED', // empty username or password
  105: 'NOT_FOUND', // user does not exist
  107: 'API_ERROR', // missing parameter
  108: 'API_ERROR', // bad parameter
  109: 'API_ERROR', // invalid JSON
  112: 'NOT_FOUND', // client offline / not found
  115: 'INVALID_TOPIC',
}

/** Maps a failed answer (EMQX 5 `{code,message}` or `{reason_code,message}`, EMQX 4 `{code:number}`) to a TidingsError. */
export function apiError(what: string, response: HttpResponse): TidingsError {
  const { status } = response
  const body = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as {
    code?: unknown
    reason_code?: unknown
    message?: unknown
    reason?: unknown
  }
  const message =
    typeof body.message === 'string'
      ? body.message
      : typeof body.reason === 'string'
        ? body.reason
        : typeof response.body === 'string'
          ? response.body
          : ''
  const reasonCode = typeof body.reason_code === 'number' ? body.reason_code : undefined
  let code: TidingsErrorCode
  if (typeof body.code === 'number' && body.code !== 0)
    code = V4_CODES[body.code] ?? (status >= 500 ? 'API_UNAVAILABLE' : 'API_ERROR')
  else if (status === 503 || status >= 500) code = 'API_UNAVAILABLE'
  else if (reasonCode !== undefined && status === 400 && PUBLISH_REASONS[reasonCode])
    code = PUBLISH_REASONS[reasonCode]!
  else if (status === 401 || status === 403) code = 'NOT_AUTHORIZED'
  else if (status === 404) code = 'NOT_FOUND'
  else if (status === 409) code = 'ALREADY_EXISTS'
  else if (status === 429) code = 'THROTTLED'
  else code = 'API_ERROR'
  const label =
    typeof body.code === 'string' || typeof body.code === 'number'
      ? ` ${redactText(String(body.code), 64)}`
      : reasonCode !== undefined
        ? ` reason code ${reasonCode}`
        : ''
  // The body comes from EMQX or whatever stands in front of it: a proxy may echo the request's headers
  // (the API key and secret in Basic auth) into a page of any length.
  const detail = message ? ` ${redactText(message)}` : ''
  return new TidingsError(code, `${what}: HTTP ${status}${label}${detail}`, {
    adapter: ADAPTER,
    status,
    ...(reasonCode !== undefined ? { reasonCode } : {}),
  })
}

/** Longest client id the REST client sends (EMQX's own limit, `max_clientid_len`, is 65535). */
export const MAX_REST_ID_LENGTH = 1024

/**
 * One URL path segment from a caller's value. `.` and `..` are refused, not encoded: `fetch` and EMQX's
 * router (cowboy) both remove dot segments, also percent-encoded ones, so `kick('..')` would become
 * `DELETE /api/v5/` and `clearAuthzCache('..')` would clear the whole cluster's cache. `/`, `%`, `+`, `#`,
 * `,`, `${` and control characters are refused too (core's `assertIdentifier`); the rest is percent-encoded.
 */
export function segment(kind: string, value: string): string {
  assertRestId(kind, value)
  return encodeURIComponent(value)
}

/** Throws `INVALID_OPTIONS` unless `value` is a client id the REST client may send (see {@link segment}). */
export function assertRestId(kind: string, value: unknown): asserts value is string {
  try {
    assertIdentifier(kind, value, MAX_REST_ID_LENGTH)
  } catch (error) {
    throw TidingsError.from(error, 'INVALID_OPTIONS', { adapter: ADAPTER })
  }
}

/** A payload as EMQX's REST API takes it: text stays plain, bytes travel base64. */
export function encodePayload(payload: string | Uint8Array): { payload: string; encoding: 'plain' | 'base64' } {
  if (typeof payload === 'string') return { payload, encoding: 'plain' }
  if (payload instanceof Uint8Array)
    return {
      payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64'),
      encoding: 'base64',
    }
  throw new TidingsError('INVALID_PAYLOAD', 'payload must be a string or a Uint8Array', { adapter: ADAPTER })
}
