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
export class ResumeWatch {
  /** When the platform last said the app is back. */
  private resumedAt = Number.NEGATIVE_INFINITY
  /** The connection a probe is waiting on. */
  private probing: MqttConnection | undefined
  /** When the current connection was established. */
  private onlineSince = Number.NEGATIVE_INFINITY

  constructor(
    private readonly host: ResumeHost,
    private readonly timers: Timers,
  ) {}

  /** Listens to the platform's events; returns the functions that stop listening. */
  listen(lifecycle: PlatformLifecycle | undefined): Array<() => void> {
    if (!lifecycle) return []
    const resumed = (): void => {
      this.resumedAt = Date.now()
      if (this.host.live()) this.probe()
      else this.host.resume()
    }
    const stops: Array<() => void> = []
    if (lifecycle.onForeground) stops.push(lifecycle.onForeground(resumed))
    if (lifecycle.onNetworkChange) stops.push(lifecycle.onNetworkChange((online) => online && resumed()))
    return stops
  }

  online(): void {
    this.onlineSince = Date.now()
  }

  /** The live connection dropped: true, once per resume, when it was made before the app came back. */
  lostOnResume(): boolean {
    const resumed = this.onlineSince <= this.resumedAt && Date.now() - this.resumedAt < RESUME_WINDOW_MS
    if (resumed) this.resumedAt = Number.NEGATIVE_INFINITY
    return resumed
  }

  /** Makes the next loss reconnect at once, as if found on resume. */
  markResumed(): void {
    this.resumedAt = Date.now()
  }

  /** Checks a connection that looks live; one that does not answer is dropped and reconnects at once. */
  private probe(): void {
    const connection = this.host.live()
    if (!connection || this.probing === connection) return
    this.probing = connection
    probeConnection(connection, this.timers, (alive) => {
      if (this.probing === connection) this.probing = undefined
      if (alive || this.host.connection() !== connection) return
      this.markResumed()
      connection.drop()
    })
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
