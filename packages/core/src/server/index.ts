/**
 * `@tidings/core/server`: the building blocks every adapter's `./server` entry shares (Node only, never
 * in a browser or mini-program bundle): the one validation of a credential request, typed server pushes,
 * and redaction of secrets in errors. Grants themselves (`grant`, `assertGrantFilter`, `assertIdentifier`)
 * are in the main entry, since pages build the same topic names.
 *
 * @module
 */
export { checkCredentialRequest, type CredentialRequestLimits } from './credential-request.js'
export { defineServerPublisher, type RawServerPublish } from './server-publisher.js'
export { MAX_ERROR_BODY, redactText, redactUrl } from '../redact.js'
export {
  assertGrantFilter,
  assertIdentifier,
  grant,
  identifierProblem,
  MAX_IDENTIFIER_LENGTH,
  type GrantFilterOptions,
  type GrantParams,
} from '../grant/index.js'
