/**
 * `@tidings/devbroker/emqx`: EMQX 5/6's JWT authentication, JWT ACL and WebSocket handshake rules on the
 * devbroker, so EMQX adapters and apps run without an EMQX.
 *
 * @module
 */
export { emqxEmulation, type EmqxEmulation, type EmqxEmulationOptions, type EmqxSession } from './emulation.js'
export { aclProblem, checkAcl, type AclAction, type AclDecision, type AclSubject } from './acl.js'
export { emqxTopicMatch, stripShare } from './topic-match.js'
export { verifyEmqxJwt, type JwtCheck, type JwtVerdict } from './jwt.js'
export { EMQX_SUBPROTOCOLS, negotiateEmqxSubprotocol } from './websocket.js'
