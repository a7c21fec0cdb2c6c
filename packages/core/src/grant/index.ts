/**
 * Grants from topic templates, and the one check of every identifier that reaches an authorization
 * decision (user ids, client ids, REST path segments, grant filters).
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
