/**
 * `@tidings/mosquitto/server` (Node only): Mosquitto's dynamic-security admin API, a credential issuer
 * with one role per credential, a publisher over a backend MQTT connection, and a config writer.
 *
 * @module
 */
export { connectMqtt, type MqttConnectOptions } from './connect-mqtt.js'
export { createDynsec, type Dynsec, type DynsecOptions } from './create-dynsec.js'
export type {
  DynsecAcl,
  DynsecAclType,
  DynsecClient,
  DynsecCommand,
  DynsecCreateClient,
  DynsecCreateGroup,
  DynsecCreateRole,
  DynsecDefaultAcl,
  DynsecDefaultAclType,
  DynsecGroup,
  DynsecGroupRef,
  DynsecList,
  DynsecListOptions,
  DynsecModifyClient,
  DynsecModifyGroup,
  DynsecModifyRole,
  DynsecResult,
  DynsecRole,
  DynsecRoleRef,
} from './dynsec-types.js'
export {
  mosquittoCredentialIssuer,
  type MosquittoCredentialIssuer,
  type MosquittoCredentialIssuerOptions,
} from './credential-issuer.js'
export { mosquittoServerPublisher, type MosquittoServerPublisherOptions } from './server-publisher.js'
export {
  DYNSEC_PLUGIN_PATH,
  mosquittoConfig,
  type MosquittoConfigOptions,
  type MosquittoListener,
  type MosquittoListenerTls,
} from './config.js'
