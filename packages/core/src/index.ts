/**
 * `@tidings/core`: typed topics and codecs, the client, errors, and the contracts broker adapters and
 * transports implement.
 *
 * @module
 */
export { createClient } from './client/create-client.js'
export type {
  ClientEvents,
  ClientOptions,
  ClientState,
  Message,
  MessageHandler,
  MessageMeta,
  PublishOptions,
  StateInfo,
  StreamOptions,
  Subscription,
  SubscribeOptions,
  TidingsClient,
  Timers,
  Waiting,
  WaitForOptions,
  WillMessage,
} from './client/types.js'
export { backoffDelay, reconnectDefaults, type ReconnectOptions, type ReconnectPolicy } from './client/backoff.js'
export { fromMqttError, type MqttErrorContext } from './client/classify-error.js'

export {
  topic,
  type Topic,
  type TopicOptions,
  type TopicParamNames,
  type TopicParams,
  type TopicPayload,
} from './topic/template.js'
export { TopicTrie, topicMatches } from './topic/trie.js'
export { assertParamValue, assertTopicFilter, assertTopicName, incomingTopicProblem } from './topic/validate.js'
export { bytes, json, schema, text, type Codec } from './codecs.js'
export { fromBase64, toBase64, utf8, utf8Bytes } from './encoding.js'

export { ERROR_CODES, TidingsError, isTidingsError, type TidingsErrorCode, type TidingsErrorDetails } from './errors.js'

export type {
  BrokerCapabilities,
  BrokerProfile,
  ConnectContext,
  ConnectCredentials,
  CredentialIssuer,
  CredentialRequest,
  EndpointInfo,
  IssuedCredentials,
  MaybePromise,
  PlatformLifecycle,
  ProfileSession,
  ServerPublisher,
  ServerPublishOptions,
  ServerPublishResult,
  Transport,
  TransportOpenOptions,
  TransportScheme,
  TransportStream,
} from './contracts.js'

export {
  assertGrantFilter,
  assertIdentifier,
  checkCredentialRequest,
  defineServerPublisher,
  grant,
  identifierProblem,
  MAX_ERROR_BODY,
  MAX_IDENTIFIER_LENGTH,
  redactText,
  redactUrl,
  type CredentialRequestLimits,
  type GrantFilterOptions,
  type GrantParams,
  type RawServerPublish,
} from './server/index.js'
export { isWellFormedUtf16 } from './topic/utf16.js'

export { genericBroker, type GenericBrokerOptions } from './brokers/generic.js'
export {
  assertHost,
  normalizePath,
  randomClientId,
  resolveEndpoint,
  type HostEndpointOptions,
} from './brokers/endpoints.js'

export {
  createSocketStream,
  exactArrayBuffer,
  type CloseInfo,
  type SocketControls,
  type SocketEvents,
  type SocketStream,
} from './transport/socket-stream.js'
