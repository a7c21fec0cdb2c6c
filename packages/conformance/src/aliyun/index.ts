export { startLocalAliyunCloud, type LocalAliyunCloud } from './cloud.js'
export {
  startFakeAliyunOpenApi,
  type FakeAliyunOpenApi,
  type FakeAliyunOpenApiOptions,
  type RecordedRequest,
  type ScriptedFailure,
} from './fake-openapi.js'
export { popEncode, popSignature, popStringToSign } from './pop-signature.js'
