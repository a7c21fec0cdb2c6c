import type { ClientOptions } from '@tidings/core'

/**
 * One broker + transport combination for the shared conformance suite. Every broker adapter and every
 * transport runs the same behaviour tests through {@link describeConformance}.
 */
export interface ConformanceTarget {
  /** What the broker supports; tests of missing features are skipped with that reason. */
  capabilities: {
    retain: boolean
    qos2: boolean
    /** Keeps a persistent session (clean: false / Session Expiry) across connections. @default false */
    persistentSession?: boolean
  }
  /** Options for a fresh client (a new client id per call). */
  client(): ClientOptions
  /**
   * Options for a client whose credentials the broker refuses, or a written reason why this target
   * cannot refuse anyone (e.g. an anonymous-only broker).
   */
  badClient: (() => ClientOptions) | { reason: string }
  /** Makes the broker drop every client connection (restart it, kick everyone…). */
  dropConnections(): Promise<void>
  /** First topic level to use, for brokers that only accept pre-created parent topics. @default 'tidings' */
  topicRoot?: string
  /** Tests to skip here, each with the reason (matched by test name). */
  skip?: Array<{ reason: string; tests: string[] }>
  teardown(): Promise<void>
}

/** Names of the suite's tests, for `skip` entries. */
export const CONFORMANCE_TESTS = [
  'connects and reports online',
  'QoS 0 round trip',
  'QoS 1 round trip',
  'QoS 2 round trip',
  'omitted params become wildcards and come back in meta.params',
  'retained message reaches a later subscriber',
  'unsubscribe stops delivery',
  'reconnects after the broker drops it and restores subscriptions',
  'fetches credentials again before reconnecting',
  'refused credentials give NOT_AUTHORIZED after exactly one attempt',
  'invalid payload raises INVALID_PAYLOAD and delivery continues',
  'invalid params are refused with INVALID_TOPIC',
  'a persistent session delivers what was published while the client was away',
  'request/response: typed reply, error reply and timeout',
] as const

export type TestName = (typeof CONFORMANCE_TESTS)[number]
