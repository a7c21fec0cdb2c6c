/**
 * `@tidings/devbroker/aliyun`: make the devbroker behave like Aliyun MQTT (ApsaraMQ for MQTT), so the
 * aliyun adapter and apps built on it run without a cloud account.
 *
 * @module
 */
export { aliyunEmulation, type AliyunEmulation, type AliyunEmulationOptions } from './emulation.js'
export {
  createAliyunRegistry,
  type AliyunRegistry,
  type DeviceCredentialRecord,
  type TokenActions,
  type TokenRecord,
} from './registry.js'
export { clientIdProblem, covers, matches, p2pTarget, resourceProblem, topicProblem } from './rules.js'
