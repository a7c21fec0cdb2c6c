/**
 * `@tidings/emqx/server` (Node only): least-privilege JWTs for browsers and mini-programs, and the
 * EMQX REST API (publish, clients, kick, subscriptions). Holds secrets: never bundle it into client code.
 *
 * @module
 */
export {
  emqxCredentialIssuer,
  type EmqxCredentialIssuerCommonOptions,
  type EmqxCredentialIssuerOptions,
  type HmacAlgorithm,
  type PublicKeyAlgorithm,
  RESERVED_EMQX_CLAIMS,
} from './jwt-issuer.js'
export {
  buildAcl,
  DENY_ALL,
  grantsWholeTree,
  type AclGrant,
  type BuildAclOptions,
  type EmqxAclMap,
  type EmqxAclRule,
} from './acl.js'
export { createEmqxApi } from './api.js'
export type {
  EmqxApi,
  EmqxApiOptions,
  EmqxBulkPublishResult,
  EmqxClientFilter,
  EmqxClientInfo,
  EmqxList,
  EmqxPage,
  EmqxPublishMessage,
  EmqxPublishProperties,
  EmqxPublishResult,
  EmqxSubscribeRequest,
  EmqxSubscriptionFilter,
  EmqxSubscriptionInfo,
} from './api-types.js'
export { emqxServerPublisher } from './publisher.js'
