import type { CredentialRequest } from '../contracts.js'
import { TidingsError } from '../errors.js'
import {
  type GrantFilterOptions,
  MAX_IDENTIFIER_LENGTH,
  assertGrantFilter,
  assertIdentifier,
} from '../grant/identifiers.js'

/** Options of {@link checkCredentialRequest}: the issuer's own limits. */
export interface CredentialRequestLimits extends GrantFilterOptions {
  /** Longest lifetime an issuer grants; longer requests are refused, never capped silently. */
  maxTtlSeconds: number
  /** Longest user id and client id. @default 128 */
  maxIdLength?: number
  /** Most grants per list (subscribe, publish). @default 100 */
  maxGrants?: number
}

/**
 * Validates a credential request once, for every issuer: `userId` and `clientId` with
 * {@link assertIdentifier} (`INVALID_OPTIONS`), every grant with {@link assertGrantFilter} (`INVALID_TOPIC`),
 * and `ttlSeconds` against `maxTtlSeconds` (`INVALID_OPTIONS`). Returns a frozen copy, so a caller that
 * mutates its arrays after the check cannot change what is issued.
 */
export function checkCredentialRequest(req: CredentialRequest, limits: CredentialRequestLimits): CredentialRequest {
  if (typeof req !== 'object' || req === null)
    throw new TidingsError('INVALID_OPTIONS', 'issue() needs a request object')
  const maxId = limits.maxIdLength ?? MAX_IDENTIFIER_LENGTH
  assertIdentifier('userId', req.userId, maxId)
  if (req.clientId !== undefined) assertIdentifier('clientId', req.clientId, maxId)
  const ttl = req.ttlSeconds
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl <= 0) {
    throw new TidingsError('INVALID_OPTIONS', `ttlSeconds must be a positive whole number, got ${String(ttl)}`)
  }
  if (ttl > limits.maxTtlSeconds) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `ttlSeconds ${ttl} is above this issuer's maxTtlSeconds (${limits.maxTtlSeconds}); ask for less or raise the limit`,
    )
  }
  const grants = (name: 'subscribe' | 'publish'): string[] => {
    const list = req[name] ?? []
    if (!Array.isArray(list)) throw new TidingsError('INVALID_OPTIONS', `${name} must be an array of topic filters`)
    const max = limits.maxGrants ?? 100
    if (list.length > max)
      throw new TidingsError('INVALID_OPTIONS', `${name} has ${list.length} grants; at most ${max}`)
    const copy = [...list]
    for (const filter of copy) assertGrantFilter(filter, limits)
    return Object.freeze(copy) as string[]
  }
  const checked: CredentialRequest = {
    userId: req.userId,
    subscribe: grants('subscribe'),
    publish: grants('publish'),
    ttlSeconds: ttl,
  }
  if (req.clientId !== undefined) checked.clientId = req.clientId
  return Object.freeze(checked)
}
