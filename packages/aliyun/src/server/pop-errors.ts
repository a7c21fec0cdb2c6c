import { TidingsError, type TidingsErrorCode } from '@tidings/core'
import { BROKER_NAME } from '../names.js'

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

/** Maps what `@alicloud/pop-core` throws (POP error bodies, timeouts, socket errors, non-JSON bodies) to a TidingsError. */
export function popError(action: string, error: unknown): TidingsError {
  if (error instanceof TidingsError) return error
  const e = (error ?? {}) as {
    name?: string
    code?: unknown
    message?: string
    data?: { RequestId?: string; Message?: string }
  }
  const message = e.message ?? String(error)
  if (typeof e.code === 'string' && e.data && typeof e.data === 'object') {
    const mapped = CODE_MAP.find(([pattern]) => pattern.test(e.code as string))?.[1] ?? 'API_ERROR'
    const requestId = e.data.RequestId ? ` (RequestId ${e.data.RequestId})` : ''
    return new TidingsError(mapped, `${action} failed with ${e.code}: ${e.data.Message ?? message}${requestId}`, {
      adapter: BROKER_NAME,
      cause: error,
    })
  }
  if (e.name === 'RequestTimeoutError' || /timeout/i.test(message)) {
    return new TidingsError('TIMEOUT', `${action} timed out: ${message}`, { adapter: BROKER_NAME, cause: error })
  }
  if (error instanceof SyntaxError || e.name === 'SyntaxError' || typeof e.code === 'string') {
    // A proxy's HTML error page (json-bigint throws a plain object named SyntaxError) or a socket error.
    return new TidingsError('API_UNAVAILABLE', `${action} failed: ${message}`, { adapter: BROKER_NAME, cause: error })
  }
  return new TidingsError('API_ERROR', `${action} failed: ${message}`, { adapter: BROKER_NAME, cause: error })
}
