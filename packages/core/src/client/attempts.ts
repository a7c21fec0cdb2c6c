import type { EndpointInfo } from '../contracts.js'
import { TidingsError } from '../errors.js'
import { isFatal } from './retry.js'
import type { ClientState, StateInfo } from './types.js'

/**
 * What one attempt to connect uses, and what comes right after a failed one: the MQTT version (pinned, or
 * negotiated 5 → 3.1.1) and the node of the profile's cluster. The connection cycle (connection.ts) sees
 * one failure per round of nodes, so its backoff applies per round, never per node.
 */
export class AttemptPlan {
  /** The version the next connection speaks. */
  version: 4 | 5
  /** Settled for the client's life: pinned, or negotiated and connected. */
  private settled: boolean
  /** The MQTT 5 failure that made the current attempt fall back to 3.1.1. */
  private fellBack: TidingsError | undefined
  /** The next node, in turn. */
  private cursor = 0
  /** Nodes tried in this round. */
  private tried = 0
  private count = 1
  private order: number[] = []
  /** The node of the current connection. */
  current: EndpointInfo | undefined

  constructor(
    pinned: 4 | 5 | undefined,
    private readonly shuffle: boolean,
    private readonly random: () => number = Math.random,
  ) {
    this.version = pinned ?? 5
    this.settled = pinned !== undefined
  }

  /** The node for the next connection (the same one again while the version falls back). */
  pick(endpoints: readonly EndpointInfo[]): EndpointInfo {
    if (this.fellBack && this.current) return this.current
    if (endpoints.length !== this.count) this.restart(endpoints.length)
    if (this.tried === 0) this.order = this.roundOrder()
    const endpoint = endpoints[this.order[this.tried]!]!
    this.current = endpoint
    return endpoint
  }

  /** A `state` event's info; `online` names the version spoken and the node. */
  info(state: ClientState, info: StateInfo): StateInfo {
    const node = this.current
    if (state !== 'online') return info
    return {
      ...info,
      protocolVersion: this.version,
      ...(node ? { endpoint: { host: node.host, port: node.port } } : {}),
    }
  }

  /** The connection got its CONNACK: the version is kept for good and the next round starts after this node. */
  online(): void {
    this.settled = true
    this.fellBack = undefined
    this.cursor = (this.order[this.tried] ?? 0) + 1
    this.tried = 0
  }

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
  ): { next: 'fallback' | 'node' | 'cycle'; error: TidingsError } {
    const failure = error ?? closed
    if (!this.settled && this.version === 5 && turnedDown(error)) {
      this.version = 4
      this.fellBack = failure
      return { next: 'fallback', error: failure }
    }
    const reported = this.fellBack ? this.bothFailed(failure, adapter) : failure
    if (!isFatal(reported) && this.tried + 1 < this.count) {
      this.tried++
      return { next: 'node', error: reported }
    }
    this.tried = 0
    return { next: 'cycle', error: reported }
  }

  /** The 3.1.1 retry failed too: say so, and try MQTT 5 again next time unless the broker answered in 3.1.1. */
  private bothFailed(failure: TidingsError, adapter: string): TidingsError {
    const first = this.fellBack!
    this.fellBack = undefined
    const refused = failure.reasonCode === 1
    // A CONNACK in 3.1.1 that is not about the version (bad credentials) shows the broker speaks 3.1.1.
    if (failure.reasonCode !== undefined && !refused) {
      this.settled = true
      return failure
    }
    this.version = 5
    const why = `${adapter} turned down MQTT 5 (${first.message}) and then MQTT 3.1.1 (${failure.message})`
    return new TidingsError(
      refused ? 'PROTOCOL_ERROR' : failure.code,
      `${why}; if it speaks only one of them, pin it with protocolVersion`,
      { adapter, cause: failure, ...(failure.reasonCode !== undefined ? { reasonCode: failure.reasonCode } : {}) },
    )
  }

  private restart(count: number): void {
    this.count = Math.max(1, count)
    this.cursor %= this.count
    this.tried = 0
  }

  /**
   * In turn from the node after the one last connected to (a failed round leaves it where it was), or
   * shuffled.
   */
  private roundOrder(): number[] {
    const order = Array.from({ length: this.count }, (_, i) => (this.cursor + i) % this.count)
    if (this.shuffle) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1))
        ;[order[i], order[j]] = [order[j]!, order[i]!]
      }
    }
    return order
  }
}

/**
 * MQTT 5 turned down: a CONNACK "unacceptable protocol version" (0x01, as a 3.1.1 broker answers) or
 * "unsupported protocol version" (0x84), or the socket closed with no CONNACK and no error (RabbitMQ
 * before 3.13 closes on an MQTT 5 CONNECT). A refusal of the credentials is never one.
 */
function turnedDown(error: TidingsError | undefined): boolean {
  if (error === undefined) return true
  return error.code === 'PROTOCOL_ERROR' && (error.reasonCode === 1 || error.reasonCode === 0x84)
}
