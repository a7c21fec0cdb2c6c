import type { ProfileSession } from '../contracts.js'
import type { Timers } from './types.js'
import { TidingsError } from '../errors.js'
import type { Outbox } from './outbox.js'
import type { Subscriber } from './subscriber.js'

/** What a broker profile's session acts on. */
export interface SessionHost {
  readonly adapter: string
  readonly outbox: Outbox
  readonly subscriber: Subscriber

  /** Throws CLIENT_CLOSED once the client is closed. */
  assertOpen(): void
  /** Holds SUBSCRIBE and publishes back until the returned release runs (once; later calls do nothing). */
  hold(): () => void
  reportError(error: TidingsError): void
  reconnect(): void
}

/** The handle a broker profile's `attach()` gets on the live client. */
export function sessionFor(host: SessionHost, timers: Timers): ProfileSession {
  return {
    // A profile's own timers (e.g. Aliyun's token refresh) run on the client's, so fake timers reach them.
    timers,
    publishRaw: (topic, payload, opts) =>
      new Promise<void>((resolve, reject) => {
        host.assertOpen()
        host.outbox.submit(
          { topic, payload, qos: opts?.qos ?? 0, retain: false, properties: undefined, resolve, reject },
          true,
        )
      }),
    subscribeRaw: async (filter, handler, opts) => {
      const entry = await host.subscriber.add({
        filter,
        qos: opts?.qos ?? 0,
        share: undefined,
        listenOnly: opts?.listenOnly === true,
        topic: undefined,
        handler: (payload, meta) => handler(payload as Uint8Array, meta.topic),
      })
      return () => host.subscriber.remove(entry)
    },
    hold: () => ({ release: host.hold() }),
    reportError: (error) => host.reportError(TidingsError.from(error, 'API_ERROR', { adapter: host.adapter })),
    reconnect: () => host.reconnect(),
  }
}
