/**
 * `@tidings/aliyun/server`: Node-only helpers for your backend: Signature-mode credentials, the onsmqtt
 * OpenAPI (tokens, SendMessage, device credentials, sessions), a CredentialIssuer and a ServerPublisher.
 * Never import this from browser or mini-program code: it handles your AccessKeySecret.
 *
 * @module
 */
export { signatureCredentials, type SignatureCredentialsOptions } from './signature.js'
export {
  createAliyunMqttApi,
  type AliyunMqttApi,
  type AliyunMqttApiOptions,
  type DeviceCredential,
  type TokenActions,
} from './api.js'
export { aliyunCredentialIssuer, type AliyunCredentialIssuer, type AliyunCredentialIssuerOptions } from './issuer.js'
export { aliyunServerPublisher } from './publisher.js'
export { popError } from './pop-errors.js'
