import type { PlatformLifecycle, ProfileSession } from '../contracts.js'
import { probeConnection, RESUME_WINDOW_MS } from './liveness.js'
import type { MqttConnection } from './mqtt-engine.js'
import type { Timers } from './types.js'

/** What {@link ResumeWatch} needs of the client. */
export interface ResumeHost {
  /** The connection, when online. */
  live(): MqttConnection | undefined
  /** The current connection, opening or live. */
  currentConnection(): MqttConnection | undefined
  /** Skip the rest of the backoff (the cycle's `resume` event), or check a connection that looks live. */
  reconnect(): void
}

/**
 * The platform's "the app is back" signals (foreground, network up): a connection that looks live is
 * probed, one that is down reconnects at once, and a loss found on return reconnects without a backoff.
 * A class rather than closures: every client holds one, and its methods are then shared by all of them.
 */
export class ResumeWatch {
  /** When the platform last said the app is back. */
  private resumedAt = Number.NEGATIVE_INFINITY
  /** The connection a probe is waiting on. */
  private probing: MqttConnection | undefined
  /** When the current connection was established. */
  private onlineSince = Number.NEGATIVE_INFINITY

  /** Listens to the platform's events (`stops` receives the functions that stop listening). */
  constructor(
    private readonly host: ResumeHost,
    private readonly timers: Timers,
    lifecycle: PlatformLifecycle | undefined,
    stops: Array<() => void>,
  ) {
    if (lifecycle?.onForeground) stops.push(lifecycle.onForeground(() => this.resumed()))
    if (lifecycle?.onNetworkChange) stops.push(lifecycle.onNetworkChange((online) => online && this.resumed()))
  }

  /** The connection just got its CONNACK. */
  online(): void {
    this.onlineSince = Date.now()
  }

  /** The live connection dropped: true, once per resume, when it was made before the app came back. */
  lostOnResume(): boolean {
    const found = this.onlineSince <= this.resumedAt && Date.now() - this.resumedAt < RESUME_WINDOW_MS
    if (found) this.resumedAt = Number.NEGATIVE_INFINITY
    return found
  }

  /** Makes the next loss reconnect at once, as if found on resume. */
  markResumed(): void {
    this.resumedAt = Date.now()
  }

  private resumed(): void {
    this.resumedAt = Date.now()
    const { host } = this
    const connection = host.live()
    if (!connection) return host.reconnect()
    // Looks live: check it; one that does not answer is dropped and reconnects at once.
    if (this.probing === connection) return
    this.probing = connection
    probeConnection(connection, this.timers, (alive) => {
      if (this.probing === connection) this.probing = undefined
      if (alive || host.currentConnection() !== connection) return
      this.resumedAt = Date.now()
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
