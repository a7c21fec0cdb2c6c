/**
 * `@tidings/aliyun`: the broker profile for Aliyun MQTT (ApsaraMQ for MQTT) with Token and DeviceCredential
 * auth, safe for browsers and mini-programs. Everything that needs an AccessKeySecret (Signature mode, the
 * OpenAPI) lives in `@tidings/aliyun/server`.
 *
 * @module
 */
export { aliyun, ALIYUN_PORTS, type AliyunOptions } from './profile.js'
export {
  tokenAuth,
  TOKEN_INVALID_CODES,
  type AliyunTokenGrant,
  type TokenAuthOptions,
} from './auth/token.js'
export { deviceCredentialAuth, type DeviceCredentialAuthOptions } from './auth/device-credential.js'
export { presignedAuth, type PresignedAuthOptions } from './auth/presigned.js'
export {
  formatTokenPassword,
  parseTokenPassword,
  tokenTypeOf,
  type TokenSet,
  type TokenType,
} from './auth/token-format.js'
export type {
  AliyunAuth,
  AliyunAuthTarget,
  AliyunCredentials,
  AliyunCredentialsContext,
  BoundAliyunAuth,
} from './auth/types.js'
export { ALIYUN_LIMITS, assertClientId, assertGroupId, p2pTopic, validateAliyunTopic } from './names.js'
