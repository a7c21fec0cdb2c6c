import type { MessageMeta } from './types.js'

/** Options of {@link TidingsClient.request}. */
export interface RequestOptions {
  /** Rejects with TIMEOUT when no reply came in this long. @default 10000 */
  timeoutMs?: number
  /** Rejects with ABORTED when aborted; a reply arriving later is reported as DUPLICATE_REPLY. */
  signal?: AbortSignal
  /** Overrides the topic's QoS for the request (the reply follows it). */
  qos?: 0 | 1 | 2
}

/** Options of {@link TidingsClient.respond}. */
export interface RespondOptions {
  /** Overrides the topic's QoS for the subscription. */
  qos?: 0 | 1 | 2
  /** Answer as one member of a shared subscription group, so several responders split the requests. */
  share?: string
  /** Aborting it stops answering (unsubscribes). */
  signal?: AbortSignal
}

/**
 * Answers one request: gets the decoded request and its meta, returns the reply (or a promise of it). A
 * throw or rejection sends the requester an error reply (REQUEST_FAILED there) carrying its message only.
 */
export type Responder<V, R, P> = (value: V, meta: MessageMeta<P>) => R | Promise<R>
