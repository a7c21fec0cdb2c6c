import { TidingsError } from '../errors.js'
import { assertTopicName } from '../topic/validate.js'
import type { RequestTopic, Topic, TopicParams } from '../topic/template.js'
import type { BrokerProfile } from '../contracts.js'
import { subscriptionFilter } from './capabilities.js'
import type { Emitter } from './emitter.js'
import { requester, type Request } from './request.js'
import { platformRandom, type RequestHost } from './request-wire.js'
import { answerer } from './respond.js'
import { openStream, type StreamController } from './stream.js'
import type { Subscriber } from './subscriber.js'
import type { Entry } from './subscriptions.js'
import type {
  ClientEvents,
  ClientOptions,
  Message,
  MessageMeta,
  PublishOptions,
  RequestOptions,
  RespondOptions,
  Responder,
  StreamOptions,
  Subscription,
  SubscribeOptions,
  Timers,
  Waiting,
  WaitForOptions,
} from './types.js'
import { waitFor, type WaitForHost } from './wait-for.js'

/**
 * The receiving half of the client's public surface: events, subscribe, stream and waitFor, all built on
 * the {@link Subscriber}. The connection cycle and publishing live in the client itself.
 */
export abstract class Facade {
  protected abstract readonly options: ClientOptions
  protected abstract readonly events: Emitter<ClientEvents>
  abstract readonly subscriber: Subscriber
  protected abstract readonly timers: Timers
  /** Streams and waits to end when the client closes. */
  private readonly closers = new Set<() => void>()
  private waitHost: WaitForHost | undefined
  /** Built on the first request or respond(), like the wait host. */
  private requester: Request | undefined
  private requestHost: RequestHost | undefined
  abstract readonly protocolVersion: 4 | 5
  abstract readonly broker: BrokerProfile
  abstract publish<T extends string, V>(
    topic: Topic<T, V>,
    params: TopicParams<T>,
    payload: V,
    options?: PublishOptions,
  ): Promise<void>

  on<K extends keyof ClientEvents & string>(event: K, listener: ClientEvents[K]): () => void {
    return this.events.on(event, listener)
  }

  subscribe<T extends string, V>(
    topic: Topic<T, V>,
    params: Partial<TopicParams<T>>,
    handler: (payload: V, meta: MessageMeta<TopicParams<T>>) => void | Promise<void>,
    options?: SubscribeOptions,
  ): Promise<Subscription> {
    try {
      if (typeof handler !== 'function') throw new TidingsError('INVALID_OPTIONS', 'subscribe needs a handler function')
      const filter = topic.filter(params)
      return this.subscriber
        .add({
          filter,
          qos: options?.qos ?? topic.qos,
          share: options?.share,
          listenOnly: false,
          topic: topic as Topic<string, unknown>,
          handler: handler as Entry['handler'],
          signal: options?.signal,
          onCleared: options?.onCleared as Entry['onCleared'],
        })
        .then((entry) => this.handle(entry, options?.signal))
    } catch (error) {
      return Promise.reject(error)
    }
  }

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

  request<T extends string, V, R>(
    topic: RequestTopic<T, V, R>,
    params: TopicParams<T>,
    value: V,
    options?: RequestOptions,
  ): Promise<R> {
    this.requester ??= requester(this.requests())
    return this.requester(topic, params, value, options)
  }

  respond<T extends string, V, R>(
    topic: RequestTopic<T, V, R>,
    params: Partial<TopicParams<T>>,
    handler: Responder<V, R, TopicParams<T>>,
    options?: RespondOptions,
  ): Promise<Subscription> {
    try {
      if (!topic?.reply || typeof handler !== 'function')
        throw new TidingsError('INVALID_OPTIONS', 'respond needs a topic with a reply codec and a handler')
      return this.subscriber
        .add({
          filter: topic.filter(params),
          qos: options?.qos ?? topic.qos,
          share: options?.share,
          listenOnly: false,
          topic: undefined,
          handler: answerer(this.requests(), topic, handler),
          signal: options?.signal,
        })
        .then((entry) => this.handle(entry, options?.signal))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  private requests(): RequestHost {
    const { options } = this
    const random = options.randomBytes ?? platformRandom()
    const self = this
    this.requestHost ??= {
      // Read at each use: the version may be settled only when the client connects.
      get protocolVersion() {
        return self.protocolVersion
      },
      timers: this.timers,
      adapter: this.broker.name,
      replyQos: this.broker.capabilities.qos2 ? 2 : 1,
      replyTopic: options.replyTopic,
      checkTopic: (name) => {
        assertTopicName(name)
        subscriptionFilter(this.broker, name, 0, undefined)
        this.broker.validateTopic?.(name, 'publish')
      },
      random: (into) => {
        if (!random)
          throw new TidingsError('UNSUPPORTED', 'no crypto.getRandomValues here: pass randomBytes to createClient', {
            adapter: this.broker.name,
          })
        random(into)
      },
      publish: (topic, params, payload, opts) => this.publish(topic, params as TopicParams<string>, payload, opts),
      subscribe: (request) => this.subscriber.add(request),
      reportError: (error) => this.reportError(error),
      onClose: (listener) => {
        this.closers.add(listener)
        return () => this.closers.delete(listener)
      },
      closedError: () => this.closedError(),
    }
    return this.requestHost
  }

  /** Ends every stream and wait (the client closed). */
  protected endStreams(): void {
    for (const end of [...this.closers]) end()
    this.closers.clear()
  }

  reportError(error: TidingsError): void {
    if (this.events.listenerCount('error') > 0) this.events.emit('error', error)
    else if (error.code !== 'CONNECTION_REFUSED' && error.code !== 'CONNECTION_LOST') {
      // Nothing accepted is dropped silently: without a listener, say so once on the console.
      console.warn(`${error.message} (add client.on('error', …) to handle it)`)
    }
  }

  protected closedError(): TidingsError {
    return new TidingsError('CLIENT_CLOSED', 'client is closed', { adapter: this.options.broker.name })
  }

  private handle(entry: Entry, signal: AbortSignal | undefined): Subscription {
    let done: Promise<void> | undefined
    const onAbort = (): void => void unsubscribe()
    const unsubscribe = (): Promise<void> => {
      signal?.removeEventListener('abort', onAbort)
      done ??= this.subscriber.remove(entry)
      return done
    }
    // Aborted between the SUBACK and now (the group was already active): end it at once.
    if (signal?.aborted) void unsubscribe()
    else signal?.addEventListener('abort', onAbort, { once: true })
    return { filter: entry.group.mqttFilter, unsubscribe }
  }
}
