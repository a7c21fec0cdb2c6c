/**
 * `@tidings/emqx`: the broker profile for EMQX, JWT authentication for browsers and mini-programs, and
 * the shared-subscription helper. Safe for every platform. Token issuing and the REST API live in
 * `@tidings/emqx/server` (Node only).
 *
 * @module
 */
export { emqx, EMQX_MAX_PAYLOAD_BYTES, EMQX_PORTS, type EmqxOptions } from './profile.js'
export { jwtAuth, type FetchedToken, type JwtAuthOptions } from './jwt-auth.js'
export { share } from './share.js'
