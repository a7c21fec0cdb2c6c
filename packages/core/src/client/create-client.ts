import { Buffer } from 'buffer'
import {
  MqttClient,
  type IClientOptions,
  type IClientPublishOptions,
  type IConnackPacket,
  type IPublishPacket,
} from 'mqtt'
import type {
  BrokerProfile,
  ConnectCredentials,
  EndpointInfo,
  ProfileSession,
  TransportScheme,
  TransportStream,
} from '../contracts.js'
import { TidingsError, isTidingsError } from '../errors.js'
import type { Topic, TopicParams } from '../topic/template.js'
import { assertTopicFilter, assertTopicName } from '../topic/validate.js'
import { createSocketStream, type CloseInfo } from '../transport/socket-stream.js'
import { backoffDelay, reconnectDefaults, type ReconnectPolicy } from './backoff.js'
import { Emitter } from './emitter.js'
import { defer } from '../internal/defer.js'
import { classifyError, fromMqttError } from './classify-error.js'
import { ackReason } from './reason-codes.js'
import { OfflineQueue, type QueuedPublish } from './offline-queue.js'
import { openStream, type StreamController } from './stream.js'
import { waitFor, type WaitForHost } from './wait-for.js'
import { SubscriptionRegistry, settle, type Entry, type FilterGroup } from './subscriptions.js'
import type {
  ClientEvents,
  ClientOptions,
  ClientState,
  Message,
  MessageMeta,
  PublishOptions,
  StateInfo,
  Subscription,
  SubscribeOptions,
  TidingsClient,
  Timers,
  Waiting,
  WaitForOptions,
  StreamOptions,
} from './types.js'

type Waiter = { resolve: () => void; reject: (error: TidingsError) => void }

/** The platform's timers, looked up at call time (so fake timers installed later still apply). */
const nativeTimers: Timers = Object.freeze({
  setTimeout: (f: () => void, ms: number) => setTimeout(f, ms),
  clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
})

/** A connection loss this soon after the platform reported the app back counts as found on resume. */
const RESUME_WINDOW_MS = 5000

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

class Client implements TidingsClient {
  private readonly options: ClientOptions
  private readonly events = new Emitter<ClientEvents>()
  private readonly registry: SubscriptionRegistry
  private readonly queue: OfflineQueue
  private readonly policy: ReconnectPolicy | undefined
  private readonly timers: Timers
  private readonly protocolVersion: 4 | 5
  private readonly adapter: string

  private mqtt: MqttClient | undefined
  private current: ConnectCredentials | undefined
  private _state: ClientState = 'offline'
  /** Set when the client gave up; publishes then fail fast instead of waiting forever. */
  private gaveUp: TidingsError | undefined
  /** Consecutive failed attempts since the last time the client was online. */
  private attempt = 0
  /** An attempt is in flight: transport opened, waiting for CONNACK or close. */
  private attempting = false
  private attemptError: TidingsError | undefined
  private retryTimer: unknown
  private connectWaiters: Waiter[] = []
  private holds = 0
  private readonly detach: Array<() => void> = []
  private attached = false
  private lastCloseInfo: CloseInfo | undefined
  private authRetryUsed = false
  /** When the platform last said the app is back (foreground, network up). */
  private resumedAt = Number.NEGATIVE_INFINITY
  /** When the current connection was established. */
  private onlineSince = Number.NEGATIVE_INFINITY

  constructor(options: ClientOptions) {
    if (!options || typeof options !== 'object')
      throw new TidingsError('INVALID_OPTIONS', 'createClient needs an options object')
    const { broker, transport } = options
    if (!broker || typeof broker.endpoint !== 'function' || typeof broker.connectOptions !== 'function') {
      throw new TidingsError(
        'INVALID_OPTIONS',
        'options.broker must be a broker profile such as mosquitto({ … }) or genericBroker({ url })',
      )
    }
    if (!transport || typeof transport.open !== 'function') {
      throw new TidingsError(
        'INVALID_OPTIONS',
        'options.transport must be a transport such as tcp(), websocket() or wechat()',
      )
    }
    this.options = options
    this.adapter = broker.name
    this.protocolVersion = options.protocolVersion ?? (broker.capabilities.mqtt5 ? 5 : 4)
    if (this.protocolVersion === 5 && !broker.capabilities.mqtt5) {
      throw new TidingsError('UNSUPPORTED', `${broker.name} does not speak MQTT 5; use protocolVersion 4`, {
        adapter: broker.name,
      })
    }
    this.policy = options.reconnect === false ? undefined : { ...reconnectDefaults, ...options.reconnect }
    this.queue = new OfflineQueue(options.offlineQueueLimit ?? 1000)
    this.timers = options.timers ?? nativeTimers
    this.registry = new SubscriptionRegistry({ reportError: (error) => this.reportError(error) })

    const lifecycle = transport.lifecycle
    if (lifecycle) {
      const resumed = (): void => {
        this.resumedAt = Date.now()
        this.reconnectNow()
      }
      if (lifecycle.onForeground) this.detach.push(lifecycle.onForeground(resumed))
      if (lifecycle.onNetworkChange)
        this.detach.push(
          lifecycle.onNetworkChange((online) => {
            if (online) resumed()
          }),
        )
    }
  }

  get state(): ClientState {
    return this._state
  }

  get clientId(): string | undefined {
    return this.current?.clientId
  }

  on<K extends keyof ClientEvents & string>(event: K, listener: ClientEvents[K]): () => void {
    return this.events.on(event, listener)
  }

  // --- connecting ---

  connect(): Promise<void> {
    if (this._state === 'closed') return Promise.reject(this.closedError())
    if (this._state === 'online') return Promise.resolve()
    const done = new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve, reject }))
    if (this._state === 'offline') {
      this.gaveUp = undefined
      this.attempt = 0
      this.authRetryUsed = false
      this.setState('connecting', {})
      void this.startAttempt()
    }
    return done
  }

  /** Opens one connection attempt: fresh credentials, then transport + CONNECT. */
  private async startAttempt(previous?: TidingsError): Promise<void> {
    this.retryTimer = undefined
    this.attempting = true
    this.attemptError = undefined
    let credentials: ConnectCredentials
    try {
      credentials = await this.options.broker.connectOptions({
        attempt: this.attempt,
        ...(previous ? { previousError: { code: previous.code } } : {}),
      })
      if (!credentials || typeof credentials.clientId !== 'string' || credentials.clientId.length === 0) {
        throw new TidingsError('INVALID_CLIENT_ID', `${this.adapter} profile returned no client id`, {
          adapter: this.adapter,
        })
      }
    } catch (error) {
      this.attempting = false
      this.attemptFailed(TidingsError.from(error, 'NOT_AUTHORIZED', { adapter: this.adapter }))
      return
    }
    if (this._state === 'closed') return
    this.current = credentials
    const mqtt = this.mqtt ?? this.createMqtt(credentials)
    mqtt.options.clientId = credentials.clientId
    mqtt.options.username = credentials.username
    // MQTT.js types say Buffer; a Uint8Array password is written the same way by mqtt-packet.
    mqtt.options.password = credentials.password as IClientOptions['password']
    mqtt.connect()
  }

  private createMqtt(credentials: ConnectCredentials): MqttClient {
    const o = this.options
    const will = o.will
    if (will && !o.broker.capabilities.will)
      throw new TidingsError('UNSUPPORTED', `${this.adapter} does not support will messages`, { adapter: this.adapter })
    const mqttOptions: IClientOptions = {
      manualConnect: true,
      // tidings owns reconnecting (jittered backoff, fresh credentials); MQTT.js's fixed-period timer stays off.
      reconnectPeriod: 0,
      resubscribe: false,
      protocolVersion: this.protocolVersion,
      keepalive: o.keepaliveSeconds ?? 30,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      clean: o.clean ?? true,
      clientId: credentials.clientId,
      timerVariant: 'native',
      ...(o.sessionExpirySeconds !== undefined && this.protocolVersion === 5
        ? { properties: { sessionExpiryInterval: o.sessionExpirySeconds } }
        : {}),
      ...(will
        ? {
            will: {
              topic: will.topic,
              payload: will.payload as Buffer,
              qos: will.qos ?? 0,
              retain: will.retain ?? false,
            },
          }
        : {}),
    }
    const mqtt = new MqttClient(() => this.openTransport(), mqttOptions)
    mqtt.on('connect', (connack) => this.onOnline(connack))
    mqtt.on('close', () => this.onClose())
    mqtt.on('error', (error) => this.onMqttError(error))
    mqtt.on('message', (topicName: string, payload: Buffer, packet: IPublishPacket) =>
      this.registry.dispatch(topicName, payload, packet),
    )
    this.mqtt = mqtt
    return mqtt
  }

  private openTransport(): TransportStream {
    const { transport, broker } = this.options
    const connectTimeoutMs = this.options.connectTimeoutMs ?? 10_000
    let stream: TransportStream
    try {
      const [scheme, endpoint] = pickEndpoint(broker, transport.schemes ?? [transport.scheme])
      // MQTT 3.1 ('mqttv3.1') is never used: tidings speaks 3.1.1 or 5, both 'mqtt' (EMQX refuses others).
      stream = transport.open(endpoint, { scheme, protocols: ['mqtt'], connectTimeoutMs })
    } catch (error) {
      // A throwing transport (bad URL, missing platform object) becomes a stream that fails at once, so the
      // failure takes the same path as any refused connection.
      const failure = TidingsError.from(error, 'TRANSPORT_ERROR', { adapter: transport.name })
      stream = createSocketStream((events) => {
        defer(() => events.error(failure))
        return { send: (_data, done) => done(failure), close: () => {} }
      })
    }
    this.lastCloseInfo = undefined
    stream.on('close', () => {
      const info = (stream as { closeInfo?: CloseInfo }).closeInfo
      if (info) this.lastCloseInfo = info
    })
    return stream
  }

  private onOnline(connack: IConnackPacket): void {
    if (this._state === 'closed') return
    this.attempting = false
    this.attempt = 0
    this.authRetryUsed = false
    this.gaveUp = undefined
    this.onlineSince = Date.now()
    this.lossCause = undefined
    this.setState('online', {})
    const waiters = this.connectWaiters
    this.connectWaiters = []
    for (const waiter of waiters) waiter.resolve()
    // With a clean session the broker forgot every subscription; with a resumed one only pending ones are sent.
    this.sendSubscriptions(connack.sessionPresent === true ? 'pending' : 'all')
    this.flushQueue()
    this.attachProfile()
  }

  private onMqttError(error: Error): void {
    const mapped = classifyError(error, this.adapter, this.options.transport.name)
    if (this.attempting) {
      this.attemptError ??= mapped
      return
    }
    // Errors on a live connection (keep-alive timeout, protocol errors) end it; the close path reconnects
    // and names this error as the cause of the loss.
    this.lossCause = mapped
    this.reportError(mapped)
  }

  /** The error that ended the live connection, if one did. */
  private lossCause: TidingsError | undefined

  private onClose(): void {
    if (this._state === 'closed') return
    const close = this.lastCloseInfo
    if (this.attempting || this._state === 'connecting') {
      this.attempting = false
      const error =
        this.attemptError ??
        new TidingsError(
          'CONNECTION_REFUSED',
          `connection to ${this.adapter} closed before CONNACK${close?.reason ? ` (${close.reason})` : ''}`,
          { adapter: this.adapter },
        )
      this.attemptFailed(error, close)
      return
    }
    if (this._state !== 'online') return
    // An established connection dropped.
    const cause = this.lossCause
    this.lossCause = undefined
    const why = close?.reason ?? cause?.message
    const error = new TidingsError('CONNECTION_LOST', `connection to ${this.adapter} lost${why ? `: ${why}` : ''}`, {
      adapter: this.adapter,
      ...(cause ? { cause } : {}),
    })
    for (const group of this.registry.groups.values()) if (group.status === 'sent') group.status = 'pending'
    if (!this.policy) return this.giveUp(error, close)
    this.attempt = 0
    if (this.onlineSince < this.resumedAt && Date.now() - this.resumedAt < RESUME_WINDOW_MS) {
      // A connection that died while the app was suspended often reports its close only after the app is
      // back in the foreground: the loss was found on resume, so reconnect now rather than wait for a
      // backoff (once per resume, and only for a connection made before it). No timer either: a resuming
      // runtime may still be running its queued callbacks.
      this.resumedAt = Number.NEGATIVE_INFINITY
      this.attempt = 1
      this.setState('reconnecting', { error, attempt: 1, delayMs: 0, ...(close ? { close } : {}) })
      void this.startAttempt()
      return
    }
    this.scheduleRetry(error, close)
  }

  /** An attempt failed: give up on fatal refusals, else back off and retry (or reject a first connect). */
  private attemptFailed(error: TidingsError, close?: CloseInfo): void {
    if (this._state === 'closed') return
    // Every failed attempt reaches `error` listeners (a refused upgrade, an untrusted certificate…). With
    // nobody listening, connect() and the state events carry it, and only giving up is worth a console line.
    const emitted = this.events.listenerCount('error') > 0
    if (emitted) this.events.emit('error', error)
    if (this._state === 'connecting') {
      // The first attempt of connect() reports straight back to the caller rather than retrying silently.
      return this.giveUp(error, close, true)
    }
    const fatal = isFatal(error)
    if (fatal && error.code === 'NOT_AUTHORIZED' && this.options.broker.refreshesCredentials && !this.authRetryUsed) {
      // Credentials may simply have expired (a JWT at `exp`): ask the profile once more, then stop.
      this.authRetryUsed = true
      this.attempt++
      this.setState('reconnecting', { error, attempt: this.attempt, delayMs: 0, ...(close ? { close } : {}) })
      this.retryTimer = this.timers.setTimeout(() => void this.startAttempt(error), 0)
      return
    }
    if (fatal) return this.giveUp(error, close, emitted)
    if (!this.policy || this.attempt >= this.policy.maxAttempts) {
      return this.giveUp(
        this.policy
          ? new TidingsError(
              'RECONNECT_EXHAUSTED',
              `gave up after ${this.attempt} reconnect attempts: ${error.message}`,
              {
                adapter: this.adapter,
                cause: error,
                ...(error.reasonCode !== undefined ? { reasonCode: error.reasonCode } : {}),
              },
            )
          : error,
        close,
        !this.policy && emitted,
      )
    }
    this.scheduleRetry(error, close)
  }

  private scheduleRetry(error: TidingsError, close: CloseInfo | undefined): void {
    const policy = this.policy!
    this.attempt++
    const delayMs = backoffDelay(policy, this.attempt)
    this.setState('reconnecting', { error, attempt: this.attempt, delayMs, ...(close ? { close } : {}) })
    this.retryTimer = this.timers.setTimeout(() => void this.startAttempt(), delayMs)
  }

  /** Platform says the network or app is back: skip the rest of the backoff. */
  private reconnectNow(): void {
    if (this._state !== 'reconnecting' || this.attempting) return
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer)
    void this.startAttempt()
  }

  /** Stops trying. `reported`: the error already reached `error` listeners (or connect() rejects with it). */
  private giveUp(error: TidingsError, close?: CloseInfo, reported = false): void {
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.attempting = false
    this.gaveUp = error
    this.setState('offline', { error, ...(close ? { close } : {}) })
    const waiters = this.connectWaiters
    this.connectWaiters = []
    for (const waiter of waiters) waiter.reject(error)
    if (waiters.length === 0 && !reported) this.reportError(error)
    const notConnected = new TidingsError('NOT_CONNECTED', `client is offline: ${error.message}`, {
      adapter: this.adapter,
      cause: error,
    })
    this.queue.rejectAll(notConnected)
    for (const group of [...this.registry.groups.values()]) if (group.waiters.length > 0) settle(group, notConnected)
  }

  private setState(state: ClientState, info: StateInfo): void {
    if (this._state === state && state !== 'reconnecting') return
    this._state = state
    this.events.emit('state', state, info)
  }

  private reportError(error: TidingsError): void {
    if (this.events.listenerCount('error') > 0) this.events.emit('error', error)
    else if (error.code !== 'CONNECTION_REFUSED' && error.code !== 'CONNECTION_LOST') {
      // Nothing accepted is dropped silently: without a listener, say so once on the console.
      console.warn(`${error.message} (add client.on('error', …) to handle it)`)
    }
  }

  private closedError(): TidingsError {
    return new TidingsError('CLIENT_CLOSED', 'client is closed', { adapter: this.adapter })
  }

  // --- publishing ---

  publish<T extends string, V>(
    topic: Topic<T, V>,
    params: TopicParams<T>,
    payload: V,
    options?: PublishOptions,
  ): Promise<void> {
    try {
      const name = topic.name(params)
      const qos = options?.qos ?? topic.qos
      const retain = options?.retain ?? topic.retain
      this.checkPublish(name, qos, retain)
      const encoded = topic.codec.encode(payload)
      if (isPromise(encoded)) {
        return encoded.then(
          (value) => this.send(name, value, qos, retain, options?.properties),
          (error: unknown) => {
            throw encodeError(name, topic, error)
          },
        )
      }
      return this.send(name, encoded, qos, retain, options?.properties)
    } catch (error) {
      if (isTidingsError(error)) return Promise.reject(error)
      return Promise.reject(encodeError(topic.template, topic, error))
    }
  }

  private checkPublish(name: string, qos: 0 | 1 | 2, retain: boolean): void {
    if (this._state === 'closed') throw this.closedError()
    const { capabilities, validateTopic } = this.options.broker
    if (name.charCodeAt(0) !== 36 /* $ */) assertTopicName(name)
    validateTopic?.(name, 'publish')
    if (qos === 2 && !capabilities.qos2)
      throw new TidingsError('UNSUPPORTED', `${this.adapter} does not support QoS 2`, {
        adapter: this.adapter,
        topic: name,
      })
    if (retain && !capabilities.retain)
      throw new TidingsError('UNSUPPORTED', `${this.adapter} does not support retained messages`, {
        adapter: this.adapter,
        topic: name,
      })
  }

  private send(
    topicName: string,
    payload: string | Uint8Array,
    qos: 0 | 1 | 2,
    retain: boolean,
    properties: PublishOptions['properties'],
  ): Promise<void> {
    const max = this.options.broker.capabilities.maxPayloadBytes
    if (max !== undefined) {
      const size = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength
      if (size > max) {
        return Promise.reject(
          new TidingsError('PAYLOAD_TOO_LARGE', `payload of ${size} bytes exceeds ${this.adapter}'s limit of ${max}`, {
            adapter: this.adapter,
            topic: topicName,
          }),
        )
      }
    }
    if (this.gaveUp && this._state === 'offline') {
      return Promise.reject(
        new TidingsError('NOT_CONNECTED', `client is offline: ${this.gaveUp.message}`, {
          adapter: this.adapter,
          cause: this.gaveUp,
          topic: topicName,
        }),
      )
    }
    const props = this.protocolVersion === 5 && properties ? (properties as Record<string, unknown>) : undefined
    return new Promise<void>((resolve, reject) => {
      const item: QueuedPublish = { topic: topicName, payload, qos, retain, properties: props, resolve, reject }
      if (this._state === 'online' && this.holds === 0) this.write(item)
      else this.queue.push(item)
    })
  }

  /** Hands one publish to MQTT.js. */
  private write(item: QueuedPublish): void {
    const mqtt = this.mqtt!
    const opts: IClientPublishOptions = { qos: item.qos, retain: item.retain }
    if (item.properties) opts.properties = item.properties
    // MQTT.js writes Buffers on its fast path; wrap other views without copying.
    const payload =
      typeof item.payload === 'string' || Buffer.isBuffer(item.payload)
        ? item.payload
        : Buffer.from(item.payload.buffer, item.payload.byteOffset, item.payload.byteLength)
    if (item.qos === 0) {
      // No callback for QoS 0: MQTT.js adds a 'drain' listener per callback when the socket backs up, which
      // makes large bursts quadratic. QoS 0 promises nothing beyond the write, so resolve now.
      mqtt.publish(item.topic, payload, opts)
      item.resolve()
      return
    }
    mqtt.publish(item.topic, payload, opts, (error) => {
      if (!error) return item.resolve()
      if (isConnectionClosed(error) && this._state !== 'closed' && !(this.gaveUp && this._state === 'offline')) {
        // The connection died before the ack; send it again after reconnecting (at-least-once).
        return this.queue.push(item, true)
      }
      item.reject(fromMqttError(error, { adapter: this.adapter, operation: 'publish', topic: item.topic }))
    })
  }

  private flushQueue(): void {
    if (this._state !== 'online' || this.holds > 0) return
    for (const item of this.queue.drain()) this.write(item)
  }

  // --- subscribing ---

  subscribe<T extends string, V>(
    topic: Topic<T, V>,
    params: Partial<TopicParams<T>>,
    handler: (payload: V, meta: MessageMeta<TopicParams<T>>) => void | Promise<void>,
    options?: SubscribeOptions,
  ): Promise<Subscription> {
    try {
      if (typeof handler !== 'function') throw new TidingsError('INVALID_OPTIONS', 'subscribe needs a handler function')
      const filter = topic.filter(params)
      return this.addEntry(
        filter,
        options?.qos ?? topic.qos,
        options?.share,
        false,
        topic as Topic<string, unknown>,
        handler as Entry['handler'],
      ).then((entry) => this.handle(entry))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  private handle(entry: Entry): Subscription {
    let done: Promise<void> | undefined
    return {
      filter: entry.group.mqttFilter,
      unsubscribe: () => (done ??= this.removeEntry(entry)),
    }
  }

  /** Registers a handler and resolves once its filter is acknowledged by the broker. */
  private addEntry(
    filter: string,
    qos: 0 | 1 | 2,
    share: string | undefined,
    listenOnly: boolean,
    topic: Topic<string, unknown> | undefined,
    handler: Entry['handler'],
  ): Promise<Entry> {
    if (this._state === 'closed') return Promise.reject(this.closedError())
    const { capabilities, validateTopic } = this.options.broker
    if (filter.charCodeAt(0) !== 36 /* $ */ || share !== undefined) assertTopicFilter(filter)
    validateTopic?.(filter, 'subscribe')
    if (qos === 2 && !capabilities.qos2) qos = 1
    let mqttFilter = filter
    if (share !== undefined) {
      if (!capabilities.sharedSubscriptions)
        throw new TidingsError('UNSUPPORTED', `${this.adapter} does not support shared subscriptions`, {
          adapter: this.adapter,
        })
      if (!/^[^/+#]+$/.test(share))
        throw new TidingsError('INVALID_TOPIC', `share group ${JSON.stringify(share)} must be one level without / + #`)
      mqttFilter = `$share/${share}/${filter}`
    }
    const max = capabilities.maxSubscriptions
    if (
      !listenOnly &&
      max !== undefined &&
      !this.registry.groups.has(mqttFilter) &&
      this.registry.brokerSubscriptionCount >= max
    ) {
      throw new TidingsError('QUOTA_EXCEEDED', `${this.adapter} allows at most ${max} subscriptions per client`, {
        adapter: this.adapter,
        topic: filter,
      })
    }
    const { entry, mustSend } = this.registry.add(mqttFilter, filter, qos, listenOnly, (group) => ({
      group,
      topic,
      handler,
    }))
    const group = entry.group
    if (group.status === 'active' || group.status === 'listen') return Promise.resolve(entry)
    if (this.gaveUp && this._state === 'offline') {
      this.registry.remove(entry)
      return Promise.reject(
        new TidingsError('NOT_CONNECTED', `client is offline: ${this.gaveUp.message}`, {
          adapter: this.adapter,
          cause: this.gaveUp,
        }),
      )
    }
    const acked = new Promise<Entry>((resolve, reject) => {
      group.waiters.push({
        resolve: () => resolve(entry),
        reject: (error) => {
          this.registry.remove(entry)
          reject(error)
        },
      })
    })
    if (mustSend && this._state === 'online' && this.holds === 0) {
      // Re-subscribing while an UNSUBSCRIBE of the same filter is in flight: wait for its UNSUBACK, or a
      // broker that handles the two concurrently (aedes does) may apply the unsubscribe last.
      const unsubscribing = this.unsubscribing.get(mqttFilter)
      if (unsubscribing)
        void unsubscribing.then(() => {
          if (group.status === 'pending') this.sendSubscriptions([group])
        })
      else this.sendSubscriptions([group])
    }
    return acked
  }

  /** Sends SUBSCRIBE for the given groups, 'all' of them, or only the 'pending' ones, in one packet. */
  private sendSubscriptions(which: FilterGroup[] | 'all' | 'pending'): void {
    const mqtt = this.mqtt
    if (!mqtt || this._state !== 'online' || this.holds > 0) return
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
    mqtt.subscribe(map, (error, granted, suback) => {
      if (error && isConnectionClosed(error)) {
        // Lost before SUBACK: stays pending and goes out again on reconnect.
        for (const group of groups) if (group.status === 'sent') group.status = 'pending'
        return
      }
      // SUBACK reason codes come back in request order, on success and on failure alike.
      const codes =
        (suback as { granted?: number[] } | undefined)?.granted ??
        (error as { packet?: { granted?: number[] } } | null)?.packet?.granted
      groups.forEach((group, i) => {
        if (this.registry.groups.get(group.mqttFilter) !== group) return // unsubscribed meanwhile
        const code = codes?.[i] ?? granted?.[i]?.qos
        if (error && (code === undefined || code < 0x80)) {
          if (code === undefined)
            return this.denied(
              group,
              fromMqttError(error, { adapter: this.adapter, operation: 'subscribe', topic: group.mqttFilter }),
            )
        } else if (code !== undefined && code >= 0x80) {
          return this.denied(
            group,
            new TidingsError(
              'SUBSCRIBE_DENIED',
              `${this.adapter} refused the subscription to ${group.mqttFilter}: ${ackReason(code)}`,
              { adapter: this.adapter, reasonCode: code, topic: group.mqttFilter },
            ),
          )
        }
        group.status = 'active'
        settle(group)
      })
    })
  }

  private denied(group: FilterGroup, error: TidingsError): void {
    const hadWaiters = group.waiters.length > 0
    this.registry.drop(group, error)
    // A restored subscription has nobody awaiting it: tell the app through the error event.
    if (!hadWaiters) this.reportError(error)
  }

  private async removeEntry(entry: Entry): Promise<void> {
    const group = this.registry.remove(entry)
    if (!group || group.status === 'listen') return
    settle(
      group,
      new TidingsError('ABORTED', `unsubscribed from ${group.mqttFilter} before the broker acknowledged it`, {
        topic: group.mqttFilter,
      }),
    )
    if (this._state !== 'online' || !this.mqtt || group.status === 'pending') return
    const mqtt = this.mqtt
    const filter = group.mqttFilter
    const done = new Promise<void>((resolve) => {
      mqtt.unsubscribe(filter, (error) => {
        // Unsubscribe failures leave nothing to undo locally: the handler is gone either way.
        if (error && !isConnectionClosed(error))
          this.reportError(fromMqttError(error, { adapter: this.adapter, operation: 'subscribe', topic: filter }))
        if (this.unsubscribing.get(filter) === done) this.unsubscribing.delete(filter)
        resolve()
      })
    })
    this.unsubscribing.set(filter, done)
    await done
  }

  /** UNSUBSCRIBEs in flight, by filter. */
  private readonly unsubscribing = new Map<string, Promise<void>>()

  stream<T extends string, V>(
    topic: Topic<T, V>,
    params: Partial<TopicParams<T>>,
    options?: StreamOptions,
  ): AsyncIterableIterator<Message<V, TopicParams<T>>> {
    const controller: StreamController<Message<V, TopicParams<T>>> = openStream({
      bufferSize: this.options.streamBufferSize ?? 1000,
      ...(options?.signal ? { signal: options.signal } : {}),
      onOverflow: (dropped) =>
        this.reportError(
          new TidingsError(
            'STREAM_OVERFLOW',
            `stream on ${dropped.meta.topic} is not read fast enough; dropped its oldest message`,
            { topic: dropped.meta.topic },
          ),
        ),
      start: () => this.subscribe(topic, params, (payload, meta) => controller.push({ payload, meta }), options),
      onFinish: () => this.closers.delete(end),
    })
    const end = controller.end
    // Until it finishes, closing the client ends the iteration.
    if (!options?.signal?.aborted) this.closers.add(end)
    return controller.iterator
  }

  private readonly closers = new Set<() => void>()

  waitFor<T extends string, V>(
    topic: Topic<T, V>,
    params: Partial<TopicParams<T>>,
    options?: WaitForOptions<V, TopicParams<T>>,
  ): Waiting<V> {
    // Built on first use: most clients never wait, and a fleet holds thousands of clients.
    this.waitHost ??= {
      timers: this.timers,
      subscribe: (t, p, handler, opts) => this.subscribe(t, p, handler, opts),
      onClose: (listener) => {
        this.closers.add(listener)
        return () => this.closers.delete(listener)
      },
      closedError: () => this.closedError(),
    }
    return waitFor(this.waitHost, topic, params, options)
  }

  private waitHost: WaitForHost | undefined

  // --- profile session ---

  private attachProfile(): void {
    const attach = this.options.broker.attach
    if (this.attached || !attach) return
    this.attached = true
    const session: ProfileSession = {
      timers: this.timers,
      publishRaw: (topicName, payload, opts) => {
        if (this._state === 'closed') return Promise.reject(this.closedError())
        return new Promise<void>((resolve, reject) => {
          const item: QueuedPublish = {
            topic: topicName,
            payload,
            qos: opts?.qos ?? 0,
            retain: false,
            properties: undefined,
            resolve,
            reject,
          }
          // Raw publishes bypass holds: they are how a profile releases one.
          if (this._state === 'online') this.write(item)
          else this.queue.push(item, true)
        })
      },
      subscribeRaw: async (filter, handler, opts) => {
        const entry = await this.addEntry(
          filter,
          opts?.qos ?? 0,
          undefined,
          opts?.listenOnly === true,
          undefined,
          (payload, meta) => handler(payload as Uint8Array, meta.topic),
        )
        return () => this.removeEntry(entry)
      },
      hold: () => {
        this.holds++
        let released = false
        return {
          release: () => {
            if (released) return
            released = true
            this.holds--
            if (this.holds === 0) {
              this.sendSubscriptions('pending')
              this.flushQueue()
            }
          },
        }
      },
      reportError: (error) => this.reportError(TidingsError.from(error, 'API_ERROR', { adapter: this.adapter })),
      reconnect: () => {
        if (this._state !== 'online' || !this.mqtt) return this.reconnectNow()
        // Dropping the stream takes the normal loss path (credentials fetched again); marking it as a
        // resume makes that path reconnect at once instead of after a backoff.
        this.resumedAt = Date.now()
        this.mqtt.stream.destroy()
      },
    }
    const cleanup = attach.call(this.options.broker, session)
    if (typeof cleanup === 'function') this.detach.push(cleanup)
  }

  // --- closing ---

  async close(options?: { force?: boolean }): Promise<void> {
    if (this._state === 'closed') return
    const wasOnline = this._state === 'online'
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.setState('closed', {})
    const closed = this.closedError()
    for (const waiter of this.connectWaiters.splice(0)) waiter.reject(closed)
    for (const group of [...this.registry.groups.values()]) this.registry.drop(group, closed)
    for (const end of [...this.closers]) end()
    this.closers.clear()
    for (const cleanup of this.detach.splice(0)) cleanup()
    const mqtt = this.mqtt
    if (mqtt) {
      await new Promise<void>((resolve) => {
        const force = options?.force === true || !wasOnline
        // A graceful end waits for in-flight acks; cap the wait so close() never hangs on a silent broker.
        const fallback = force
          ? undefined
          : this.timers.setTimeout(() => mqtt.end(true, () => resolve()), this.options.connectTimeoutMs ?? 10_000)
        mqtt.end(force, () => {
          if (fallback !== undefined) this.timers.clearTimeout(fallback)
          resolve()
        })
      })
    }
    // Anything still queued was never sent: reject it rather than drop it.
    this.queue.rejectAll(closed)
  }
}

/** The first of the transport's schemes the profile serves; the last refusal if it serves none. */
function pickEndpoint(broker: BrokerProfile, schemes: readonly TransportScheme[]): [TransportScheme, EndpointInfo] {
  let refusal: unknown
  for (const scheme of schemes) {
    try {
      return [scheme, broker.endpoint(scheme)]
    } catch (error) {
      if (!isTidingsError(error) || error.code !== 'UNSUPPORTED') throw error
      refusal = error
    }
  }
  throw refusal ?? new TidingsError('INVALID_OPTIONS', 'the transport declares no scheme', { adapter: broker.name })
}

function isFatal(error: TidingsError): boolean {
  return (
    error.code === 'NOT_AUTHORIZED' ||
    error.code === 'BANNED' ||
    error.code === 'CLIENT_ID_REJECTED' ||
    error.code === 'PROTOCOL_ERROR' ||
    error.code === 'TLS_UNTRUSTED' ||
    error.code === 'INVALID_CLIENT_ID' ||
    error.code === 'INVALID_OPTIONS' ||
    error.code === 'UNSUPPORTED' ||
    error.code === 'PAYLOAD_TOO_LARGE'
  )
}

function isConnectionClosed(error: Error): boolean {
  return error.message === 'Connection closed' || error.message === 'client disconnecting'
}

function encodeError(name: string, topic: Topic<string, unknown>, error: unknown): TidingsError {
  if (isTidingsError(error)) return error
  return new TidingsError(
    'INVALID_PAYLOAD',
    `payload for ${name} failed to encode with ${topic.codec.name}: ${error instanceof Error ? error.message : String(error)}`,
    { topic: name, cause: error },
  )
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}
