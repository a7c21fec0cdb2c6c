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

/** The entries a topic name routes to, each with the parameters its topic reads from the name. */
interface Route {
  readonly entries: readonly Entry[]
  readonly params: ReadonlyArray<Readonly<Record<string, string>>>
}

/** Topic names whose routes are remembered; past it, a new name is routed without being remembered. */
export const ROUTE_CACHE_LIMIT = 1000

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({})
const NO_ENTRIES: readonly Entry[] = Object.freeze([])

/** What the registry needs from the client to report problems. */
export interface DispatchHost {
  reportError(error: TidingsError): void
}

/**
 * The client's subscriptions: groups keyed by MQTT filter, and a topic trie from match filters to entries,
 * so routing a message costs its topic depth, not the number of subscriptions.
 *
 * Most traffic repeats a few topic names, so the route of each name (its entries and their parsed
 * parameters) is remembered, up to {@link ROUTE_CACHE_LIMIT} names, and forgotten on any change to the
 * subscriptions. A remembered name is routed without splitting it, walking the trie or parsing it again.
 */
export class SubscriptionRegistry {
  readonly groups = new Map<string, FilterGroup>()
  private readonly trie = new TopicTrie<Entry>()
  private readonly matched: Entry[] = []
  /** Created on the first message, so an idle client carries no cache. */
  private routes: Map<string, Route> | undefined
  /** Collects the trie's matches; one function for every message rather than a closure each. */
  private readonly collect = (entry: Entry): void => {
    this.matched.push(entry)
  }

  constructor(private readonly host: DispatchHost) {}

  /** Number of groups that hold a broker subscription (listen-only groups excluded). */
  get brokerSubscriptionCount(): number {
    let count = 0
    for (const group of this.groups.values()) if (group.status !== 'listen') count++
    return count
  }

  /** Number of topic names whose route is remembered (at most {@link ROUTE_CACHE_LIMIT}). */
  get cachedRoutes(): number {
    return this.routes?.size ?? 0
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
    this.routes?.clear()
    return { entry, mustSend }
  }

  /** Removes an entry; returns its group when it became empty (the caller unsubscribes it). */
  remove(entry: Entry): FilterGroup | undefined {
    const group = entry.group
    if (!group.entries.delete(entry)) return undefined
    this.trie.delete(group.matchFilter, entry)
    this.routes?.clear()
    if (group.entries.size > 0) return undefined
    this.groups.delete(group.mqttFilter)
    return group
  }

  /** Drops a whole group (e.g. the broker refused it), rejecting its waiters. */
  drop(group: FilterGroup, error: TidingsError): void {
    for (const entry of group.entries) this.trie.delete(group.matchFilter, entry)
    this.routes?.clear()
    group.entries.clear()
    this.groups.delete(group.mqttFilter)
    settle(group, error)
  }

  /** Routes one incoming message to every matching entry; false when none matched. */
  dispatch(
    topicName: string,
    payload: Uint8Array,
    packet: { retain?: boolean; qos?: number; dup?: boolean; properties?: Record<string, unknown> },
  ): boolean {
    const routes = (this.routes ??= new Map())
    let route = routes.get(topicName)
    let entries: readonly Entry[]
    if (route) entries = route.entries
    else {
      const matched = this.matched
      matched.length = 0
      this.trie.match(topicName, this.collect)
      // Copy out: a handler may subscribe or unsubscribe synchronously, which reuses `matched`.
      entries = matched.length === 0 ? NO_ENTRIES : matched.length === 1 ? [matched[0]!] : matched.slice()
      matched.length = 0
      if (routes.size < ROUTE_CACHE_LIMIT) {
        route = { entries, params: entries.map((entry) => parseParams(entry, topicName)) }
        routes.set(topicName, route)
      }
    }
    if (entries.length === 0) return false
    let decoded: Map<Codec<unknown>, unknown> | undefined
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!
      const topic = entry.topic
      const meta: MessageMeta = {
        topic: topicName,
        // Remembered parameters are frozen: one object serves every message on this name.
        params: route ? (route.params[i] as Record<string, string>) : topic ? (topic.parse(topicName) ?? {}) : {},
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
    return true
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

/** The parameters an entry's topic reads from a name, frozen to be shared by the messages of a route. */
function parseParams(entry: Entry, topicName: string): Readonly<Record<string, string>> {
  const params = entry.topic?.parse(topicName) as Record<string, string> | undefined
  return params && Object.keys(params).length > 0 ? Object.freeze(params) : NO_PARAMS
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
