import type { PlatformLifecycle, ProfileSession } from '../contracts.js'
import { probeConnection, RESUME_WINDOW_MS } from './liveness.js'
import type { MqttConnection } from './mqtt-engine.js'
import type { Timers } from './types.js'

/** What {@link ResumeWatch} needs of the client. */
export interface ResumeHost {
  /** The connection, when online. */
  live(): MqttConnection | undefined
  /** The current connection, opening or live. */
  connection(): MqttConnection | undefined
  /** Skip the rest of the backoff (the cycle's `resume` event). */
  resume(): void
}

/**
 * The platform's "the app is back" signals (foreground, network up): a connection that looks live is
 * probed, one that is down reconnects at once, and a loss found on return reconnects without a backoff.
 */
export interface ResumeWatch {
  /** The connection just got its CONNACK. */
  online(): void
  /** The live connection dropped: true, once per resume, when it was made before the app came back. */
  lostOnResume(): boolean
  /** Makes the next loss reconnect at once, as if found on resume. */
  markResumed(): void
}

/**
 * Listens to the platform's events (`stops` receives the functions that stop listening). Closures rather
 * than a class: this runs in the mini-program bundle, where minified local names cost less than properties.
 */
export function resumeWatch(
  host: ResumeHost,
  timers: Timers,
  lifecycle: PlatformLifecycle | undefined,
  stops: Array<() => void>,
): ResumeWatch {
  /** When the platform last said the app is back. */
  let resumedAt = Number.NEGATIVE_INFINITY
  /** The connection a probe is waiting on. */
  let probing: MqttConnection | undefined
  /** When the current connection was established. */
  let onlineSince = Number.NEGATIVE_INFINITY
  const resumed = (): void => {
    resumedAt = Date.now()
    const connection = host.live()
    if (!connection) return host.resume()
    // Looks live: check it; one that does not answer is dropped and reconnects at once.
    if (probing === connection) return
    probing = connection
    probeConnection(connection, timers, (alive) => {
      if (probing === connection) probing = undefined
      if (alive || host.connection() !== connection) return
      resumedAt = Date.now()
      connection.drop()
    })
  }
  if (lifecycle?.onForeground) stops.push(lifecycle.onForeground(resumed))
  if (lifecycle?.onNetworkChange) stops.push(lifecycle.onNetworkChange((online) => online && resumed()))
  return {
    online: () => {
      onlineSince = Date.now()
    },
    lostOnResume() {
      const found = onlineSince <= resumedAt && Date.now() - resumedAt < RESUME_WINDOW_MS
      if (found) resumedAt = Number.NEGATIVE_INFINITY
      return found
    },
    markResumed: () => {
      resumedAt = Date.now()
    },
  }
}

/** Counts holds on writes (a profile's {@link ProfileSession.hold}); `released` runs when the last one goes. */
export function holdCounter(released: () => void): { hold(): () => void; held(): boolean } {
  let holds = 0
  return {
    held: () => holds > 0,
    hold() {
      holds++
      let done = false
      return () => {
        if (done) return
        done = true
        if (--holds === 0) released()
      }
    },
  }
}
