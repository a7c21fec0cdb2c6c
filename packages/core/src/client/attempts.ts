import type { EndpointInfo } from '../contracts.js'
import { TidingsError } from '../errors.js'
import { isFatal } from './retry.js'
import type { ClientState, StateInfo } from './types.js'

/**
 * What one attempt to connect uses, and what comes right after a failed one: the MQTT version (pinned, or
 * negotiated 5 → 3.1.1) and the node of the profile's cluster. The connection cycle (connection.ts) sees
 * one failure per round of nodes, so its backoff applies per round, never per node.
 */
export interface AttemptPlan {
  /** The version the next connection speaks. */
  version(): 4 | 5
  /** The node for the next connection (the same one again while the version falls back). */
  pick(endpoints: readonly EndpointInfo[]): EndpointInfo
  /** The connection got its CONNACK: the version is kept for good, the next round starts after this node. */
  online(): void
  /**
   * An attempt failed before CONNACK (`error` undefined: the socket closed without one). Says what comes
   * next: `'fallback'` (3.1.1 at once, on the same node, after MQTT 5 was turned down), `'node'` (the next
   * node of the round at once) or `'cycle'` (the round is over: the connection cycle decides), with the
   * error of the attempt.
   */
  failed(
    error: TidingsError | undefined,
    closed: TidingsError,
    adapter: string,
  ): { next: 'fallback' | 'node' | 'cycle'; error: TidingsError }
  /** A `state` event's info; `online` names the version spoken and the node. */
  info(state: ClientState, info: StateInfo): StateInfo
}

/**
 * A plan for one client. Closures rather than a class: this runs in the mini-program bundle, where
 * minified local names cost less than property names.
 */
export function attemptPlan(pinned: 4 | 5 | undefined, shuffle: boolean, random = Math.random): AttemptPlan {
  let version: 4 | 5 = pinned ?? 5
  /** Settled for the client's life: pinned, or negotiated and connected. */
  let settled = pinned !== undefined
  /** The MQTT 5 failure that made the current attempt fall back to 3.1.1. */
  let fellBack: TidingsError | undefined
  /** The first node of the next round: the one after the node last connected to. */
  let cursor = 0
  /** Nodes tried in this round, out of `count`, in `order`. */
  let tried = 0
  let count = 1
  let order: number[] = [0]
  let current: EndpointInfo | undefined

  /** The 3.1.1 retry failed too: say so, and try MQTT 5 again next time unless the broker answered in 3.1.1. */
  const bothFailed = (failure: TidingsError, adapter: string): TidingsError => {
    const first = fellBack!
    fellBack = undefined
    const { reasonCode } = failure
    // A CONNACK in 3.1.1 that is not about the version (bad credentials) shows the broker speaks 3.1.1.
    if (reasonCode !== undefined && reasonCode !== 1) {
      settled = true
      return failure
    }
    version = 5
    return new TidingsError(
      reasonCode === 1 ? 'PROTOCOL_ERROR' : failure.code,
      `${adapter} turned down MQTT 5 (${first.message}) and 3.1.1 (${failure.message}); pin protocolVersion`,
      { adapter, cause: failure, reasonCode },
    )
  }

  return {
    version: () => version,
    pick(endpoints) {
      if (fellBack && current) return current
      if (endpoints.length !== count) {
        count = endpoints.length
        cursor %= count
        tried = 0
      }
      if (tried === 0) {
        // In turn from the cursor (a failed round leaves it where it was), or shuffled (Fisher-Yates).
        order = Array.from({ length: count }, (_, i) => (cursor + i) % count)
        for (let i = count - 1; shuffle && i > 0; i--) {
          const j = Math.floor(random() * (i + 1))
          ;[order[i], order[j]] = [order[j]!, order[i]!]
        }
      }
      current = endpoints[order[tried]!]!
      return current
    },
    online() {
      settled = true
      fellBack = undefined
      cursor = order[tried]! + 1
      tried = 0
    },
    failed(error, closed, adapter) {
      const failure = error ?? closed
      if (!settled && version === 5 && turnedDown(error)) {
        version = 4
        fellBack = failure
        return { next: 'fallback', error: failure }
      }
      const reported = fellBack ? bothFailed(failure, adapter) : failure
      if (!isFatal(reported) && ++tried < count) return { next: 'node', error: reported }
      tried = 0
      return { next: 'cycle', error: reported }
    },
    info(state, info) {
      if (state !== 'online') return info
      return { ...info, protocolVersion: version, endpoint: current && { host: current.host, port: current.port } }
    },
  }
}

/**
 * MQTT 5 turned down: a CONNACK "unacceptable protocol version" (0x01, as a 3.1.1 broker answers) or
 * "unsupported protocol version" (0x84), or the socket closed with no CONNACK and no error (RabbitMQ
 * before 3.13 closes on an MQTT 5 CONNECT). A refusal of the credentials is never one.
 */
function turnedDown(error: TidingsError | undefined): boolean {
  return !error || (error.code === 'PROTOCOL_ERROR' && (error.reasonCode === 1 || error.reasonCode === 0x84))
}
