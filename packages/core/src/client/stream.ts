import type { Subscription } from './types.js'

/** Drives one `client.stream()` iterator. */
export interface StreamController<M> {
  readonly iterator: AsyncIterableIterator<M>
  push(message: M): void
  /** Ends the iteration (client closed). */
  end(): void
}

/** Options of {@link openStream}. */
export interface OpenStreamOptions<M> {
  bufferSize: number
  signal?: AbortSignal
  onOverflow(dropped: M): void
  /** Subscribes; called on first `next()` so an iterator nobody reads never subscribes. */
  start(): Promise<Subscription>
  /** Called once when the iteration ends, however it ends. */
  onFinish?(): void
}

/**
 * A pull-based message iterator over a push subscription: messages wait in a bounded buffer (oldest
 * dropped, with a report, when the consumer falls behind) and readers wait for the next message.
 */
export function openStream<M>(opts: OpenStreamOptions<M>): StreamController<M> {
  const buffer: M[] = []
  let readers: Array<{ resolve: (r: IteratorResult<M>) => void; reject: (e: unknown) => void }> = []
  let subscription: Promise<Subscription> | undefined
  let finished = false
  let failure: unknown

  const finish = (error?: unknown): void => {
    if (finished) return
    finished = true
    failure = error
    opts.onFinish?.()
    opts.signal?.removeEventListener('abort', onAbort)
    void subscription?.then(
      (s) => s.unsubscribe(),
      () => {},
    )
    const waiting = readers
    readers = []
    for (const reader of waiting) {
      if (error) reader.reject(error)
      else reader.resolve({ value: undefined, done: true })
    }
  }
  const onAbort = (): void => finish()
  if (opts.signal?.aborted) finished = true
  else opts.signal?.addEventListener('abort', onAbort, { once: true })

  const iterator: AsyncIterableIterator<M> = {
    [Symbol.asyncIterator]() {
      return this
    },
    next() {
      if (!subscription && !finished) {
        subscription = opts.start()
        subscription.catch((error: unknown) => finish(error))
      }
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false })
      if (finished) {
        if (failure) {
          const error = failure
          failure = undefined
          return Promise.reject(error)
        }
        return Promise.resolve({ value: undefined, done: true })
      }
      return new Promise((resolve, reject) => readers.push({ resolve, reject }))
    },
    return() {
      buffer.length = 0
      finish()
      return Promise.resolve({ value: undefined, done: true })
    },
  }

  return {
    iterator,
    push(message) {
      if (finished) return
      const reader = readers.shift()
      if (reader) return reader.resolve({ value: message, done: false })
      if (buffer.length >= opts.bufferSize) opts.onOverflow(buffer.shift()!)
      buffer.push(message)
    },
    end: () => finish(),
  }
}
