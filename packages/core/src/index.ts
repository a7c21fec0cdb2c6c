/**
 * `@tidings/core`: typed topics and codecs, the client, errors, and the contracts broker adapters and
 * transports implement.
 *
 * @module
 */
export { createClient } from './client/client.js'
export type {
  ClientEvents,
  ClientOptions,
  ClientState,
  Message,
  MessageHandler,
  MessageMeta,
  PublishOptions,
  RequestOptions,
  RespondOptions,
  Responder,
  StateInfo,
  SessionOptions,
  StreamOptions,
  Subscription,
  SubscribeOptions,
  TidingsClient,
  Timers,
  Waiting,
  WaitForOptions,
  WillMessage,
} from './client/types.js'
export {
  backoffDelay,
  reconnectDefaults,
  type ReconnectOptions,
  type ReconnectPolicy,
  type RetryPolicy,
} from './client/backoff.js'
export { isFatal } from './client/retry.js'
export { fromMqttError, type MqttErrorContext } from './client/mqtt-errors.js'

export {
  topic,
  type RequestTopic,
  type Topic,
  type TopicOptions,
  type TopicReply,
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
  ConnectReason,
  CredentialsContext,
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
  grant,
  identifierProblem,
  MAX_IDENTIFIER_LENGTH,
  type GrantFilterOptions,
  type GrantParams,
} from './grant/index.js'
export { isWellFormedUtf16 } from './topic/utf16.js'

export { genericBroker, type GenericBrokerOptions } from './brokers/generic.js'
export {
  connectReason,
  credentialsContext,
  profileConnectOptions,
  type CredentialsProvider,
  type ProfileCredentialsOptions,
} from './brokers/credentials.js'
export {
  assertHost,
  clusterNodes,
  isSecureScheme,
  normalizePath,
  randomClientId,
  resolveEndpoint,
  resolveEndpoints,
  type ClusterOptions,
  type HostEndpointOptions,
  type HostNode,
} from './brokers/endpoints.js'

export {
  createSocketStream,
  exactArrayBuffer,
  type CloseInfo,
  type SocketControls,
  type SocketEvents,
  type SocketStream,
} from './transport/socket-stream.js'
