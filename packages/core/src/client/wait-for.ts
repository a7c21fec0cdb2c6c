import { TidingsError } from '../errors.js'
import type { Topic, TopicParams } from '../topic/template.js'
import type { MessageMeta, Subscription, SubscribeOptions, Timers, Waiting, WaitForOptions } from './types.js'

/** What `waitFor` needs from the client. */
export interface WaitForHost {
  readonly timers: Timers
  subscribe<T extends string, V>(
    topic: Topic<T, V>,
    params: Partial<TopicParams<T>>,
    handler: (payload: V, meta: MessageMeta<TopicParams<T>>) => void,
    options?: SubscribeOptions,
  ): Promise<Subscription>
  /** Registers a listener for the client closing; returns its remover. */
  onClose(listener: () => void): () => void
  closedError(): TidingsError
}

/**
 * Subscribes, resolves with the first message that passes `where` (retained ones count), then
 * unsubscribes. Rejects with TIMEOUT, ABORTED, CLIENT_CLOSED or the subscription's own error. The
 * returned promise carries `ready`, which resolves once the broker acknowledged the subscription: await it
 * before triggering whatever sends the awaited message, so the answer cannot slip past.
 */
export function waitFor<T extends string, V>(
  host: WaitForHost,
  topic: Topic<T, V>,
  params: Partial<TopicParams<T>>,
  options: WaitForOptions<V, TopicParams<T>> = {},
): Waiting<V> {
  let ready!: Promise<void>
  const result = new Promise<V>((resolve, reject) => {
    let sub: Subscription | undefined
    let finished = false
    let timer: unknown
    let removeCloser: (() => void) | undefined
    const finish = (error: unknown, value?: V): void => {
      if (finished) return
      finished = true
      if (timer !== undefined) host.timers.clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      removeCloser?.()
      void sub?.unsubscribe()
      if (error) reject(error)
      else resolve(value as V)
    }
    const onAbort = (): void =>
      finish(new TidingsError('ABORTED', `waitFor ${topic.template} aborted`, { cause: options.signal?.reason }))
    if (options.signal?.aborted) {
      onAbort()
      ready = Promise.reject(
        new TidingsError('ABORTED', `waitFor ${topic.template} aborted`, { cause: options.signal.reason }),
      )
      ready.catch(() => {})
      return
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    removeCloser = host.onClose(() => finish(host.closedError()))
    if (options.timeoutMs !== undefined) {
      const timeoutMs = options.timeoutMs
      timer = host.timers.setTimeout(
        () =>
          finish(
            new TidingsError('TIMEOUT', `no message on ${topic.filter(params)} within ${timeoutMs} ms`, {
              topic: topic.template,
            }),
          ),
        timeoutMs,
      )
    }
    ready = host
      .subscribe(
        topic,
        params,
        (payload, meta) => {
          if (options.where && !options.where(payload, meta)) return
          finish(undefined, payload)
        },
        options,
      )
      .then(
        (s) => {
          sub = s
          if (finished) void s.unsubscribe()
        },
        (error: unknown) => {
          finish(error)
          throw error
        },
      )
    // `ready` rejections are also delivered through the main promise; don't report them twice as unhandled.
    ready.catch(() => {})
  })
  return Object.assign(result, { ready })
}
