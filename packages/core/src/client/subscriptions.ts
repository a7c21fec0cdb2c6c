import type { Codec } from '../codecs.js'
import { TidingsError } from '../errors.js'
import type { Topic } from '../topic/template.js'
import { TopicTrie } from '../topic/trie.js'
import type { MessageMeta } from './types.js'

/** One handler registered through subscribe/stream/waitFor, or a raw one from a broker profile. */
export interface Entry {
  readonly group: FilterGroup
  readonly topic: Topic<string, unknown> | undefined
  /** Typed handler (topic set) or raw handler (topic undefined). */
  readonly handler: (payload: unknown, meta: MessageMeta) => void | Promise<void>
  /** Called instead of `handler` when a retained message was cleared (an empty payload on a retained topic). */
  readonly onCleared?: ((meta: MessageMeta) => void) | undefined
}

/** One MQTT subscription shared by every entry with the same filter. */
export interface FilterGroup {
  /** The filter sent to the broker (with `$share/<group>/` when shared). */
  readonly mqttFilter: string
  /** The filter topics are matched against. */
  readonly matchFilter: string
  qos: 0 | 1 | 2
  /** `listen` groups only route unsolicited messages and never send SUBSCRIBE. */
  status: 'pending' | 'sent' | 'active' | 'listen'
  readonly entries: Set<Entry>
  waiters: Array<{ resolve: () => void; reject: (error: TidingsError) => void }>
}

/** What the registry needs from the client to report problems. */
export interface DispatchHost {
  reportError(error: TidingsError): void
}

/**
 * The client's subscriptions: groups keyed by MQTT filter, and a topic trie from match filters to entries,
 * so routing a message costs its topic depth, not the number of subscriptions.
 */
export class SubscriptionRegistry {
  readonly groups = new Map<string, FilterGroup>()
  private readonly trie = new TopicTrie<Entry>()
  private readonly matched: Entry[] = []

  constructor(private readonly host: DispatchHost) {}

  /** Number of groups that hold a broker subscription (listen-only groups excluded). */
  get brokerSubscriptionCount(): number {
    let count = 0
    for (const group of this.groups.values()) if (group.status !== 'listen') count++
    return count
  }

  /** Adds an entry, creating its group; returns the group and whether it must be (re)sent to the broker. */
  add(
    mqttFilter: string,
    matchFilter: string,
    qos: 0 | 1 | 2,
    listenOnly: boolean,
    make: (group: FilterGroup) => Entry,
  ): { entry: Entry; mustSend: boolean } {
    let group = this.groups.get(mqttFilter)
    let mustSend = false
    if (!group) {
      group = {
        mqttFilter,
        matchFilter,
        qos,
        status: listenOnly ? 'listen' : 'pending',
        entries: new Set(),
        waiters: [],
      }
      this.groups.set(mqttFilter, group)
      mustSend = !listenOnly
    } else if (qos > group.qos && group.status !== 'listen') {
      // A higher QoS needs a new SUBSCRIBE: the broker replaces the subscription's QoS.
      group.qos = qos
      group.status = 'pending'
      mustSend = true
    }
    const entry = make(group)
    group.entries.add(entry)
    this.trie.add(matchFilter, entry)
    return { entry, mustSend }
  }

  /** Removes an entry; returns its group when it became empty (the caller unsubscribes it). */
  remove(entry: Entry): FilterGroup | undefined {
    const group = entry.group
    if (!group.entries.delete(entry)) return undefined
    this.trie.delete(group.matchFilter, entry)
    if (group.entries.size > 0) return undefined
    this.groups.delete(group.mqttFilter)
    return group
  }

  /** Drops a whole group (e.g. the broker refused it), rejecting its waiters. */
  drop(group: FilterGroup, error: TidingsError): void {
    for (const entry of group.entries) this.trie.delete(group.matchFilter, entry)
    group.entries.clear()
    this.groups.delete(group.mqttFilter)
    settle(group, error)
  }

  /** Routes one incoming message to every matching entry. */
  dispatch(
    topicName: string,
    payload: Uint8Array,
    packet: { retain?: boolean; qos?: number; dup?: boolean; properties?: Record<string, unknown> },
  ): void {
    const matched = this.matched
    matched.length = 0
    this.trie.match(topicName, (entry) => {
      matched.push(entry)
    })
    if (matched.length === 0) return
    // Copy out: a handler may subscribe or unsubscribe synchronously, which reuses `matched`.
    const entries = matched.length === 1 ? [matched[0]!] : matched.slice()
    matched.length = 0
    let decoded: Map<Codec<unknown>, unknown> | undefined
    for (const entry of entries) {
      const topic = entry.topic
      const meta: MessageMeta = {
        topic: topicName,
        params: topic ? (topic.parse(topicName) ?? {}) : {},
        retain: packet.retain === true,
        qos: (packet.qos ?? 0) as 0 | 1 | 2,
        dup: packet.dup === true,
      }
      if (packet.properties) meta.properties = packet.properties
      if (!topic) {
        this.invoke(entry, payload, meta)
        continue
      }
      // An empty payload on a retained topic clears its retained message: no value to decode, not an error.
      if (payload.byteLength === 0 && (topic.retain || meta.retain)) {
        meta.cleared = true
        try {
          entry.onCleared?.(meta)
        } catch (error) {
          this.handlerFailed(topicName, error)
        }
        continue
      }
      // Entries with the same codec share one decode of the payload.
      let value: unknown
      if (decoded?.has(topic.codec)) value = decoded.get(topic.codec)
      else {
        try {
          value = topic.codec.decode(payload)
        } catch (error) {
          value = FAILED
          this.invalidPayload(topicName, topic, error)
        }
        if (entries.length > 1) (decoded ??= new Map()).set(topic.codec, value)
      }
      if (value === FAILED) continue
      if (isThenable(value)) {
        value.then(
          (v) => this.invoke(entry, v, meta),
          (error: unknown) => this.invalidPayload(topicName, topic, error),
        )
      } else this.invoke(entry, value, meta)
    }
  }

  private invoke(entry: Entry, value: unknown, meta: MessageMeta): void {
    if (!entry.group.entries.has(entry)) return // unsubscribed while decoding
    try {
      const result = entry.handler(value, meta)
      if (isThenable(result)) result.then(undefined, (error: unknown) => this.handlerFailed(meta.topic, error))
    } catch (error) {
      this.handlerFailed(meta.topic, error)
    }
  }

  private invalidPayload(topicName: string, topic: Topic<string, unknown>, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error)
    this.host.reportError(
      new TidingsError(
        'INVALID_PAYLOAD',
        `message on ${topicName} failed to decode with ${topic.codec.name}: ${reason}`,
        { topic: topicName, cause: error },
      ),
    )
  }

  private handlerFailed(topicName: string, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error)
    this.host.reportError(
      new TidingsError('HANDLER_FAILED', `handler for ${topicName} failed: ${reason}`, {
        topic: topicName,
        cause: error,
      }),
    )
  }
}

/** Marks a payload that failed to decode, so entries sharing the codec skip it after one report. */
const FAILED: unique symbol = Symbol('decode failed')

/** Resolves (no error) or rejects every waiter of a group. */
export function settle(group: FilterGroup, error?: TidingsError): void {
  const waiters = group.waiters
  group.waiters = []
  for (const waiter of waiters) {
    if (error) waiter.reject(error)
    else waiter.resolve()
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}
