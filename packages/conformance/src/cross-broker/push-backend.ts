import {
  grant,
  json,
  topic,
  type CredentialIssuer,
  type IssuedCredentials,
  type ServerPublisher,
  type ServerPublishResult,
} from '@tidings/core'

/** The topic every broker entry uses (`notify` is also a parent topic of the Aliyun emulator): backend and devices share it. */
export const bellTopic = topic('notify/{userId}/bell', json<{ text: string }>(), { qos: 1 })

/** What the backend needs, whatever the broker. */
export interface PushBackendOptions {
  issuer: CredentialIssuer
  publisher: ServerPublisher
  /** The client id a user's device connects with, for brokers whose ids follow a scheme (Aliyun's `GID_…@@@…`). @default the issuer picks */
  clientIdFor?: (userId: string) => string | undefined
  /** @default 300 */
  ttlSeconds?: number
}

/** A push backend written once against the server-side contracts. */
export interface PushBackend {
  /** Credentials for a user's device: subscribe to the user's own notifications, publish nothing. */
  credentialsFor(userId: string): Promise<IssuedCredentials>
  /** Pushes one notification to a user. */
  notify(userId: string, notification: { text: string }): Promise<ServerPublishResult>
}

/**
 * The backend of a push feature, using only `CredentialIssuer` and `ServerPublisher`: the same code runs
 * on Mosquitto (dynsec), EMQX (JWT + REST) and Aliyun (token + SendMessage).
 */
export function createPushBackend(options: PushBackendOptions): PushBackend {
  const ttlSeconds = options.ttlSeconds ?? 300
  return {
    async credentialsFor(userId) {
      const clientId = options.clientIdFor?.(userId)
      return options.issuer.issue({
        userId,
        ...(clientId === undefined ? {} : { clientId }),
        // grant() refuses a user id such as `+` or `#` that would widen the filter to other users.
        subscribe: [grant('notify/{userId}/#', { userId })],
        publish: [],
        ttlSeconds,
      })
    },
    async notify(userId, notification) {
      return options.publisher.publish(bellTopic, { userId }, notification)
    },
  }
}
