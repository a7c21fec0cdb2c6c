import { TidingsError, type TidingsErrorCode } from '@tidings/core'
import { BROKER_NAME } from '../names.js'
import { redactApiText } from './redact.js'

// POP `Code` prefixes → stable codes. First match wins, so specific entries come first.
const CODE_MAP: ReadonlyArray<[RegExp, TidingsErrorCode]> = [
  [/^Throttling/, 'THROTTLED'],
  [/^(ServiceUnavailable|InternalError|Internal\.|UnknownError)/, 'API_UNAVAILABLE'],
  [/^(InvalidApi\.NotFound|ApiNotSupport)/, 'UNSUPPORTED'],
  [
    /^(SignatureDoesNotMatch|SignatureNonceUsed|InvalidTimeStamp|InvalidAccessKeyId|IncompleteSignature|Forbidden|InstancePermissionCheckFailed|PermissionCheckFailed|CheckAccountInfoFailed|InvalidSecurityToken)/,
    'NOT_AUTHORIZED',
  ],
  [/NotFound|NotExist/, 'NOT_FOUND'],
  [/AlreadyExist|Duplicate/, 'ALREADY_EXISTS'],
  [/^ApplyTokenOverFlow|Quota|OverFlow/, 'QUOTA_EXCEEDED'],
  [/^(Missing|InvalidParameter|ParameterCheckFailed|InvalidParam)/, 'INVALID_OPTIONS'],
]

/** True for failures worth retrying with backoff: throttling, timeouts, transient server errors. */
export function isRetryable(error: TidingsError): boolean {
  return error.code === 'THROTTLED' || error.code === 'API_UNAVAILABLE' || error.code === 'TIMEOUT'
}

/** What pop-core, httpx and json-bigint put on the errors they throw. */
interface PopCoreError {
  name?: unknown
  code?: unknown
  message?: unknown
  /** The parsed error body (POP errors). */
  data?: { Code?: unknown; RequestId?: unknown; Message?: unknown }
  /** The whole unparsable body (json-bigint's SyntaxError). */
  text?: unknown
  /** Request headers and response status (POP errors). */
  entry?: { response?: { statusCode?: unknown } }
}

/**
 * Maps what `@alicloud/pop-core` throws (POP error bodies, timeouts, socket errors, non-JSON bodies) to a
 * TidingsError.
 *
 * Everything taken from the answer goes through redaction first: a proxy or a misconfigured gateway may
 * echo the request, signature and headers included, into its error body. The message is cut to about 512
 * characters, `secrets` (pass the AccessKeySecret) are removed wherever they appear, and the `cause` is a
 * new, redacted Error: pop-core's own error carries the signed request and the whole body, so it is never
 * attached.
 */
export function popError(action: string, error: unknown, secrets: readonly string[] = []): TidingsError {
  if (error instanceof TidingsError) return error
  const e = (typeof error === 'object' && error !== null ? error : {}) as PopCoreError
  const clean = (text: unknown): string => redactApiText(String(text ?? ''), secrets)
  const name = typeof e.name === 'string' ? e.name : ''
  const rawMessage = typeof e.message === 'string' ? e.message : String(error)
  const status = typeof e.entry?.response?.statusCode === 'number' ? e.entry.response.statusCode : undefined
  const fail = (code: TidingsErrorCode, message: string): TidingsError => {
    const text = clean(message)
    const cause = new Error(text)
    cause.name = clean(name || 'Error').slice(0, 64)
    return new TidingsError(code, `${action} failed: ${text}`, {
      adapter: BROKER_NAME,
      cause,
      ...(status === undefined ? {} : { status }),
    })
  }

  if (typeof e.code === 'string' && e.data && typeof e.data === 'object') {
    const popCode = e.code
    const mapped = CODE_MAP.find(([pattern]) => pattern.test(popCode))?.[1] ?? 'API_ERROR'
    const requestId = e.data.RequestId ? ` (RequestId ${String(e.data.RequestId)})` : ''
    // pop-core's message appends the request URL; the body's Message is what the API said.
    return fail(mapped, `${popCode}: ${String(e.data.Message ?? rawMessage)}${requestId}`)
  }
  if (name === 'RequestTimeoutError' || /timeout/i.test(rawMessage)) return fail('TIMEOUT', `timed out: ${rawMessage}`)
  if (error instanceof SyntaxError || name === 'SyntaxError') {
    // A proxy's HTML error page: json-bigint throws a plain object named SyntaxError carrying the body.
    const body = typeof e.text === 'string' ? `: ${e.text}` : ''
    return fail('API_UNAVAILABLE', `the API answered with something other than JSON (${rawMessage})${body}`)
  }
  // A socket error (ECONNREFUSED, ECONNRESET, …).
  if (typeof e.code === 'string') return fail('API_UNAVAILABLE', rawMessage)
  return fail('API_ERROR', rawMessage)
}
