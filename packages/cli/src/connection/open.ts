import {
  createClient,
  TidingsError,
  type BrokerCapabilities,
  type ProfileSession,
  type TidingsClient,
} from '@tidings/core'
import { clientOptions, type CommandTopics } from './connect.js'
import type { ConnectionSettings } from './settings.js'

/** A connected client, plus raw access for filters a typed topic cannot express (`#`, `+`). */
export interface OpenClient {
  readonly client: TidingsClient
  /** The broker profile's name and what it supports. */
  readonly name: string
  readonly capabilities: BrokerCapabilities
  /** The live profile session; available once connected. */
  session(): ProfileSession
}

/**
 * Creates and connects a client. A command fails fast rather than retrying forever: `maxAttempts` bounds
 * the reconnects, and the first connect rejects with the broker's answer.
 */
export async function openClient(
  settings: ConnectionSettings,
  topics: CommandTopics,
  opts: { connectTimeoutMs?: number; replyTopic?: string } = {},
): Promise<OpenClient> {
  const options = clientOptions(settings, topics)
  let session: ProfileSession | undefined
  const broker = options.broker
  const client = createClient({
    ...options,
    broker: {
      ...broker,
      // Keep the profile's own attach (Aliyun's token upload) and hold on to the session for raw filters.
      attach(s) {
        session = s
        return broker.attach?.(s)
      },
    },
    connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
    ...(opts.replyTopic !== undefined ? { replyTopic: opts.replyTopic } : {}),
    reconnect: { maxAttempts: 5 },
  })
  await client.connect()
  return {
    client,
    name: broker.name,
    capabilities: broker.capabilities,
    session: () => {
      if (!session) throw new TidingsError('NOT_CONNECTED', 'the client is not connected')
      return session
    },
  }
}
