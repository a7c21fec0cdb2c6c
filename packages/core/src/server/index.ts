/**
 * Server-side building blocks shared by every adapter's `./server` entry: grants from templates, the one
 * validation of identifiers and grants, typed pushes, and redaction of secrets in errors.
 *
 * @module
 */
export { grant, type GrantParams } from './grant.js'
export {
  assertGrantFilter,
  assertIdentifier,
  identifierProblem,
  MAX_IDENTIFIER_LENGTH,
  type GrantFilterOptions,
} from './identifiers.js'
export { checkCredentialRequest, type CredentialRequestLimits } from './credential-request.js'
export { defineServerPublisher, type RawServerPublish } from './server-publisher.js'
export { MAX_ERROR_BODY, redactText, redactUrl } from './redact.js'
