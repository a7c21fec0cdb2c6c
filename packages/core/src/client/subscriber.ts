import type { BrokerProfile } from '../contracts.js'
import { TidingsError } from '../errors.js'
import type { Topic } from '../topic/template.js'
import { topicMatches } from '../topic/trie.js'
import { checkSubscriptionQuota, subscriptionFilter } from './capabilities.js'
import type { IncomingMeta, MqttConnection } from './mqtt-engine.js'
import { incomingTopicError } from './incoming-topic.js'
import { fromMqttError } from './mqtt-errors.js'
import { ackReason } from './reason-codes.js'
import { SubscriptionRegistry, settle, type Entry, type FilterGroup } from './subscriptions.js'

/** What the subscriber needs from the client. */
export interface SubscriberHost {
  readonly broker: BrokerProfile
  /** The connection SUBSCRIBE/UNSUBSCRIBE may be sent on now (online, no hold), or undefined. */
  writable(): MqttConnection | undefined
  /** The connection to unsubscribe on: the live one even while a hold keeps SUBSCRIBEs back. */
  live(): MqttConnection | undefined
  /** Throws when the client cannot take a subscription (closed, or gave up). */
  assertUsable(): void
  reportError(error: TidingsError): void
}

/** What a new entry subscribes to. */
export interface EntryRequest {
  readonly filter: string
  readonly qos: 0 | 1 | 2
  readonly share: string | undefined
  /** Routes unsolicited messages only; no SUBSCRIBE is sent. */
  readonly listenOnly: boolean
  readonly topic: Topic<string, unknown> | undefined
  readonly handler: Entry['handler']
  readonly onCleared?: Entry['onCleared']
  /** Aborting it before the SUBACK takes the entry back and rejects with ABORTED. */
  readonly signal?: AbortSignal | undefined
}

/** The error of an operation its AbortSignal aborted. */
export function abortedError(what: string, signal: AbortSignal | undefined): TidingsError {
  return new TidingsError('ABORTED', `${what} aborted`, {
    ...(signal?.reason !== undefined ? { cause: signal.reason } : {}),
  })
}

/**
 * Subscribing: entries grouped by MQTT filter (one SUBSCRIBE per filter however many handlers share it),
 * SUBACK and UNSUBACK handling, and restoring subscriptions on a new connection.
 */
export class Subscriber {
  readonly registry: SubscriptionRegistry
  /** UNSUBSCRIBEs in flight, by filter. */
  private readonly unsubscribing = new Map<string, { done: Promise<void>; finish(): void; matchFilter: string }>()

  constructor(private readonly host: SubscriberHost) {
    this.registry = new SubscriptionRegistry({ reportError: (error) => host.reportError(error) })
  }

  /** Registers a handler and resolves once its filter is acknowledged by the broker. */
  add(request: EntryRequest): Promise<Entry> {
    const { broker } = this.host
    this.host.assertUsable()
    const { signal } = request
    if (signal?.aborted) throw abortedError(`subscribe to ${request.filter}`, signal)
    const { mqttFilter, qos } = subscriptionFilter(broker, request.filter, request.qos, request.share)
    if (!request.listenOnly && !this.registry.groups.has(mqttFilter))
      checkSubscriptionQuota(broker, request.filter, this.registry.brokerSubscriptionCount)
    const { entry, mustSend } = this.registry.add(mqttFilter, request.filter, qos, request.listenOnly, (group) => ({
      group,
      topic: request.topic,
      handler: request.handler,
      ...(request.onCleared ? { onCleared: request.onCleared } : {}),
    }))
    const group = entry.group
    if (group.status === 'active' || group.status === 'listen') return Promise.resolve(entry)
    const acked = new Promise<Entry>((resolve, reject) => {
      const abort = (): void => {
        // Only this entry's waiter: other handlers sharing the filter keep waiting for the SUBACK.
        const i = group.waiters.indexOf(waiter)
        if (i < 0) return
        group.waiters.splice(i, 1)
        void this.remove(entry)
        reject(abortedError(`subscribe to ${request.filter}`, signal))
      }
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', abort)
          resolve(entry)
        },
        reject: (error: TidingsError) => {
          signal?.removeEventListener('abort', abort)
          this.registry.remove(entry)
          reject(error)
        },
      }
      group.waiters.push(waiter)
      signal?.addEventListener('abort', abort, { once: true })
    })
    if (mustSend && this.host.writable()) {
      // Re-subscribing while an UNSUBSCRIBE of the same filter is in flight: wait for its UNSUBACK, or a
      // broker that handles the two concurrently (aedes does) may apply the unsubscribe last.
      const unsubscribing = this.unsubscribing.get(mqttFilter)
      if (unsubscribing)
        void unsubscribing.done.then(() => {
          if (group.status === 'pending') this.send([group])
        })
      else this.send([group])
    }
    return acked
  }

  /** Removes a handler; the last one of a filter unsubscribes it. Never rejects. */
  async remove(entry: Entry): Promise<void> {
    const group = this.registry.remove(entry)
    if (!group || group.status === 'listen') return
    settle(
      group,
      new TidingsError('ABORTED', `unsubscribed from ${group.mqttFilter} before the broker acknowledged it`, {
        topic: group.mqttFilter,
      }),
    )
    const connection = this.host.live()
    if (!connection || group.status === 'pending') return
    const filter = group.mqttFilter
    let finish!: () => void
    const done = new Promise<void>((resolve) => {
      finish = () => {
        if (this.unsubscribing.get(filter)?.done === done) this.unsubscribing.delete(filter)
        resolve()
      }
    })
    this.unsubscribing.set(filter, { done, finish, matchFilter: group.matchFilter })
    connection.unsubscribe(filter, (failure) => {
      // A failed unsubscribe leaves nothing to undo locally (the handler is gone either way), so it is
      // reported, as an unsubscribe failure, rather than thrown.
      if (failure !== undefined)
        this.host.reportError(
          fromMqttError(failure, { adapter: this.host.broker.name, operation: 'unsubscribe', topic: filter }),
        )
      finish()
    })
    await done
  }

  /**
   * Delivers a message the broker sent. A topic name the broker must not have sent is refused, never
   * dispatched (a handler would get params the broker could not have routed); a message nothing matches is
   * reported. Either goes to the client's `error` event.
   */
  receive(topic: string, payload: Uint8Array, meta: IncomingMeta): void {
    const adapter = this.host.broker.name
    const refused = incomingTopicError(adapter, topic)
    if (refused) return this.host.reportError(refused)
    if (this.registry.dispatch(topic, payload, meta) || this.beingUnsubscribed(topic)) return
    this.host.reportError(unmatchedMessage(adapter, topic))
  }

  /** True while a filter `topic` matches awaits its UNSUBACK: until then the broker may still deliver on it. */
  beingUnsubscribed(topic: string): boolean {
    for (const { matchFilter } of this.unsubscribing.values()) if (topicMatches(matchFilter, topic)) return true
    return false
  }

  /** The connection dropped: what was sent and not acknowledged goes out again on the next one. */
  connectionLost(): void {
    // Lost before UNSUBACK: the connection will never answer, and a clean session forgets the filter anyway.
    for (const { finish } of [...this.unsubscribing.values()]) finish()
    for (const group of this.registry.groups.values()) if (group.status === 'sent') group.status = 'pending'
  }

  /** Rejects everything awaiting a SUBACK (the client gave up). */
  rejectWaiting(error: TidingsError): void {
    for (const group of [...this.registry.groups.values()]) if (group.waiters.length > 0) settle(group, error)
  }

  /** Drops every subscription (the client closed). */
  dropAll(error: TidingsError): void {
    for (const group of [...this.registry.groups.values()]) this.registry.drop(group, error)
  }

  /** Sends one SUBSCRIBE for the groups: given ones, every one, or those not yet sent (`'pending'`). */
  send(which: FilterGroup[] | 'all' | 'pending'): void {
    const connection = this.host.writable()
    if (!connection) return
    const groups = Array.isArray(which)
      ? which
      : [...this.registry.groups.values()].filter(
          (g) => g.status !== 'listen' && (which === 'all' || g.status === 'pending'),
        )
    if (groups.length === 0) return
    const map: Record<string, { qos: 0 | 1 | 2 }> = {}
    for (const group of groups) {
      group.status = 'sent'
      map[group.mqttFilter] = { qos: group.qos }
    }
    // A connection lost before SUBACK never answers: connectionLost() marks its groups pending again.
    connection.subscribe(map, ({ codes, failure }) => {
      groups.forEach((group, i) => {
        if (this.registry.groups.get(group.mqttFilter) !== group) return // unsubscribed meanwhile
        const code = codes[i]
        if (code !== undefined && code >= 0x80) return this.denied(group, this.refusal(group, code))
        if (failure !== undefined && code === undefined) {
          const adapter = this.host.broker.name
          return this.denied(
            group,
            fromMqttError(failure, { adapter, operation: 'subscribe', topic: group.mqttFilter }),
          )
        }
        group.status = 'active'
        settle(group)
      })
    })
  }

  private refusal(group: FilterGroup, code: number): TidingsError {
    const adapter = this.host.broker.name
    return new TidingsError(
      'SUBSCRIBE_DENIED',
      `${adapter} refused the subscription to ${group.mqttFilter}: ${ackReason(code)}`,
      { adapter, reasonCode: code, topic: group.mqttFilter },
    )
  }

  private denied(group: FilterGroup, error: TidingsError): void {
    const hadWaiters = group.waiters.length > 0
    this.registry.drop(group, error)
    // A restored subscription has nobody awaiting it: tell the app through the error event.
    if (!hadWaiters) this.host.reportError(error)
  }
}

/**
 * A message no subscription matches (and no unsubscribe in flight explains): a broker that rewrote the
 * topic (RabbitMQ turns a `.` in a level into `/`) or a session that outlived its subscriptions. Names the
 * topic, quoted and cut short as it is untrusted; never the payload.
 */
export function unmatchedMessage(adapter: string, topic: string): TidingsError {
  const name = JSON.stringify(topic.slice(0, 128))
  return new TidingsError('UNMATCHED_MESSAGE', `no subscription matches ${name}`, { adapter, topic: name })
}
