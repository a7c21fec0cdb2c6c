import type { BrokerProfile, ConnectCredentials } from '../contracts.js'
import { TidingsError } from '../errors.js'
import type { Topic, TopicParams } from '../topic/template.js'
import type { CloseInfo } from '../transport/socket-stream.js'
import { attemptPlan, type AttemptPlan } from './attempts.js'
import { pinnedVersion } from './capabilities.js'
import {
  closedBeforeConnack,
  connectionLost,
  initialConnection,
  transition,
  type ConnectionEffect,
  type ConnectionEvent,
  type ConnectionRules,
} from './connection.js'
import { Emitter } from './emitter.js'
import { endWithin } from './liveness.js'
import { holdCounter, ResumeWatch, type ResumeHost } from './resume.js'
import { nativeTimers } from './timers.js'
import type { ConnectionHandlers, ConnectionOutcome, IncomingMeta, MqttConnection } from './connection-contract.js'
import { openConnection } from './mqtt-engine.js'
import { Outbox, type OutboxHost } from './outbox.js'
import { sessionFor, type SessionHost } from './profile-session.js'
import { notConnected, retryRule } from './retry.js'
import { Subscriber, type SubscriberHost } from './subscriber.js'
import { checkClientOptions, fetchCredentials, openTransport } from './transport.js'
import { Facade } from './facade.js'
import type { ClientEvents, ClientOptions, ClientState, PublishOptions, TidingsClient, Timers } from './types.js'

type Waiter = { resolve: () => void; reject: (error: TidingsError) => void }

/**
 * Creates a client. Nothing connects until `connect()`.
 *
 * @example
 * ```ts
 * const client = createClient({ broker: mosquitto({ host: '127.0.0.1' }), transport: tcp() })
 * await client.connect()
 * await client.subscribe(notifications, { userId: '42' }, (n, meta) => render(n))
 * ```
 */
export function createClient(options: ClientOptions): TidingsClient {
  return new Client(options)
}

/**
 * The client: runs the connection cycle's effects ({@link transition} decides them) and wires the
 * engine, the outbox and the subscriber together. Subscribing, streams and waits are in {@link Facade}.
 */
class Client
  extends Facade
  implements TidingsClient, OutboxHost, SubscriberHost, SessionHost, ResumeHost, ConnectionHandlers
{
  protected readonly events = new Emitter<ClientEvents>()
  readonly subscriber: Subscriber
  protected readonly timers: Timers
  readonly outbox: Outbox
  private readonly rules: ConnectionRules
  /** The version and node of each attempt. */
  private readonly plan: AttemptPlan
  private conn = initialConnection
  /** The current connection: opening, or live. */
  private connection: MqttConnection | undefined
  private current: ConnectCredentials | undefined
  private retryTimer: unknown
  private connectWaiters: Waiter[] = []
  /** The profile's holds on writes; releasing the last one sends what waited. */
  private readonly holds = holdCounter(() => {
    this.subscriber.send('pending')
    this.outbox.flush()
  })
  private attached = false
  private readonly detach: Array<() => void> = []
  private readonly resume: ResumeWatch
  readonly broker: BrokerProfile
  /** The profile's name, for error messages. */
  readonly adapter: string

  constructor(protected readonly options: ClientOptions) {
    super()
    checkClientOptions(options)
    const { broker } = options
    this.broker = broker
    this.adapter = broker.name
    this.plan = attemptPlan(pinnedVersion(broker, options.protocolVersion), broker.shuffleEndpoints === true)
    this.rules = {
      retry: retryRule(options.reconnect),
      refreshesCredentials: broker.refreshesCredentials === true,
      adapter: broker.name,
    }
    this.timers = options.timers ?? nativeTimers
    this.outbox = new Outbox(this, options.offlineQueueLimit ?? 1000, options.offlineQueueBytes ?? 8 * 1024 * 1024)
    this.subscriber = new Subscriber(this)
    this.resume = new ResumeWatch(this, this.timers, options.transport.lifecycle, this.detach)
  }

  get state(): ClientState {
    return this.conn.status
  }

  get clientId(): string | undefined {
    return this.current?.clientId
  }

  connect(): Promise<void> {
    if (this.conn.status === 'closed') return Promise.reject(this.closedError())
    if (this.conn.status === 'online') return Promise.resolve()
    const done = new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve, reject }))
    this.dispatch({ type: 'connect' })
    return done
  }

  publish<T extends string, V>(topic: Topic<T, V>, params: TopicParams<T>, payload: V, options?: PublishOptions) {
    return this.outbox.publish(topic, params, payload, options)
  }

  clearRetained<T extends string, V>(topic: Topic<T, V>, params: TopicParams<T>): Promise<void> {
    return this.outbox.clearRetained(() => topic.name(params), topic.qos)
  }

  async close(options?: { force?: boolean }): Promise<void> {
    if (this.conn.status === 'closed') return
    const wasOnline = this.conn.status === 'online'
    this.dispatch({ type: 'close' })
    const closed = this.closedError()
    for (const waiter of this.connectWaiters.splice(0)) waiter.reject(closed)
    this.subscriber.dropAll(closed)
    this.endStreams()
    for (const cleanup of this.detach.splice(0)) cleanup()
    const connection = this.connection
    this.connection = undefined
    const force = options?.force === true || !wasOnline
    if (connection) await endWithin(connection, this.timers, force ? 0 : (this.options.closeTimeoutMs ?? 2000))
    // Anything not acknowledged by now never will be: reject it rather than drop it.
    this.outbox.rejectAll(closed)
  }

  // --- the connection cycle ---

  private dispatch(event: ConnectionEvent): void {
    const { state, effects } = transition(this.conn, event, this.rules)
    this.conn = state
    for (const effect of effects) {
      // A listener moved the cycle on (close() from an `error` or `state` listener): the rest is stale.
      if (this.conn !== state) return
      this.run(effect)
    }
  }

  private run(effect: ConnectionEffect): void {
    switch (effect.type) {
      case 'state':
        return this.events.emit('state', effect.state, this.plan.info(effect.state, effect.info))
      case 'open':
        return this.open(effect.attempt, effect.previous)
      case 'wait':
        this.retryTimer = this.timers.setTimeout(() => {
          this.retryTimer = undefined
          this.dispatch({ type: 'due' })
        }, effect.delayMs)
        return
      case 'cancel':
        if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer)
        this.retryTimer = undefined
        return
      case 'report':
        // Every failed attempt reaches `error` listeners; with nobody listening, connect() and the state
        // events carry it, and only giving up is worth a console line.
        if (this.events.listenerCount('error') > 0) this.events.emit('error', effect.error)
        return
      case 'online':
        for (const waiter of this.connectWaiters.splice(0)) waiter.resolve()
        // With a clean session the broker forgot every subscription; with a resumed one only pending ones are sent.
        this.subscriber.send(effect.sessionPresent ? 'pending' : 'all')
        this.outbox.flush()
        return this.attachProfile()
      case 'give-up':
        return this.gaveUp(effect.error, effect.reported)
    }
  }

  /** Opens one attempt: fresh credentials, then transport + CONNECT. */
  private open(attempt: number, previous: TidingsError | undefined): void {
    fetchCredentials(this.options, attempt, previous).then(
      (credentials) => {
        if (!this.conn.attempting) return // closed while the profile was asked
        this.current = credentials
        this.dial(credentials)
      },
      (error: unknown) =>
        this.dispatch({ type: 'failed', error: TidingsError.from(error, 'NOT_AUTHORIZED', { adapter: this.adapter }) }),
    )
  }

  /** Opens a connection with this attempt's credentials, at the version and node the plan says. */
  private dial(credentials: ConnectCredentials): void {
    const engine = { client: this.options, protocolVersion: this.plan.version() }
    const open = () => openTransport(this.options, (nodes) => this.plan.pick(nodes))
    this.connection = openConnection(engine, credentials, open, this)
  }

  /** An attempt failed before CONNACK: 3.1.1 or the next node at once, else the cycle decides. */
  private attemptFailed(error: TidingsError | undefined, close: CloseInfo | undefined, login: ConnectCredentials) {
    const { next, error: failure } = this.plan.failed(error, closedBeforeConnack(this.adapter, close), this.adapter)
    if (next === 'cycle') return this.dispatch({ type: 'failed', error: failure, close })
    // A refused version is not worth an error event; a node that failed is, like any failed attempt.
    if (next === 'node' && this.events.listenerCount('error') > 0) this.events.emit('error', failure)
    if (this.conn.attempting) this.dial(login)
  }

  // --- what a connection reports (see ConnectionHandlers); reports of a replaced connection are ignored ---

  connectionOnline(connection: MqttConnection, sessionPresent: boolean): void {
    if (this.connection !== connection) return
    this.resume.online()
    this.plan.online()
    this.dispatch({ type: 'online', sessionPresent })
  }

  connectionMessage(topic: string, payload: Uint8Array, meta: IncomingMeta): void {
    this.subscriber.receive(topic, payload, meta)
  }

  connectionError(connection: MqttConnection, error: TidingsError): void {
    if (this.connection === connection) this.reportError(error)
  }

  connectionClosed(connection: MqttConnection, { wasOnline, error, close }: ConnectionOutcome): void {
    if (this.connection !== connection) return
    this.connection = undefined
    if (!wasOnline) return this.attemptFailed(error, close, connection.credentials)
    this.outbox.connectionLost()
    this.subscriber.connectionLost()
    const resumed = this.resume.lostOnResume()
    this.dispatch({ type: 'lost', error: connectionLost(this.adapter, error, close), close, resumed })
  }

  /** Stops trying: rejects connect() callers, queued publishes and pending subscriptions. */
  private gaveUp(error: TidingsError, reported: 'yes' | 'if-listened' | 'no'): void {
    const waiters = this.connectWaiters.splice(0)
    for (const waiter of waiters) waiter.reject(error)
    const told = reported === 'yes' || (reported === 'if-listened' && this.events.listenerCount('error') > 0)
    if (waiters.length === 0 && !told) this.reportError(error)
    const offline = notConnected(this.options.broker.name, error)
    this.outbox.rejectAll(offline)
    this.subscriber.rejectWaiting(offline)
  }

  private attachProfile(): void {
    const attach = this.options.broker.attach
    if (this.attached || !attach) return
    this.attached = true
    const cleanup = attach.call(this.options.broker, sessionFor(this, this.timers))
    if (typeof cleanup === 'function') this.detach.push(cleanup)
  }

  // --- what the outbox, the subscriber and a profile's session see of the client ---

  get protocolVersion(): 4 | 5 {
    return this.plan.version()
  }

  /** The connection writes may go to now: online and not held by the profile. */
  writable(): MqttConnection | undefined {
    return this.holds.held() ? undefined : this.live()
  }

  live(): MqttConnection | undefined {
    return this.conn.status === 'online' ? this.connection : undefined
  }

  hold(): () => void {
    return this.holds.hold()
  }

  currentConnection(): MqttConnection | undefined {
    return this.connection
  }

  reconnect(): void {
    const connection = this.live()
    if (!connection) return this.dispatch({ type: 'resume' })
    // Dropping the socket takes the normal loss path (credentials fetched again); marking it as a
    // resume makes that path reconnect at once instead of after a backoff.
    this.resume.markResumed()
    connection.drop()
  }

  assertUsable(topic?: string): void {
    this.assertOpen()
    const { gaveUp } = this.conn
    if (gaveUp && this.conn.status === 'offline') throw notConnected(this.options.broker.name, gaveUp, topic)
  }

  assertOpen(): void {
    if (this.conn.status === 'closed') throw this.closedError()
  }
}
