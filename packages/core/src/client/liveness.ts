import type { MqttConnection } from './mqtt-engine.js'
import type { Timers } from './types.js'

/**
 * How long a connection that looks live gets to answer the PINGREQ sent when the app comes back: a socket
 * that went half-open while the app slept would otherwise be noticed only by the keep-alive (1.5× its
 * interval).
 */
export const PROBE_TIMEOUT_MS = 3000

/** A connection loss this soon after the platform reported the app back counts as found on resume. */
export const RESUME_WINDOW_MS = 5000

/**
 * Sends a PINGREQ and reports whether a PINGRESP came back within {@link PROBE_TIMEOUT_MS}.
 */
export function probeConnection(connection: MqttConnection, timers: Timers, done: (alive: boolean) => void): void {
  let settled = false
  const timer = timers.setTimeout(() => {
    if (settled) return
    settled = true
    done(false)
  }, PROBE_TIMEOUT_MS)
  connection.probe(() => {
    if (settled) return
    settled = true
    timers.clearTimeout(timer)
    done(true)
  })
}

/**
 * Ends a connection within `boundMs`. A graceful end (`boundMs` > 0) waits for in-flight acks, which a
 * silent (half-open) broker never sends: past the bound the socket is destroyed and the promise resolves
 * anyway. With 0 the end is forced at once.
 */
export function endWithin(connection: MqttConnection, timers: Timers, boundMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let fallback: unknown
    const done = (): void => {
      if (fallback !== undefined) timers.clearTimeout(fallback)
      fallback = undefined
      resolve()
    }
    fallback = timers.setTimeout(() => {
      fallback = undefined
      connection.drop()
      connection.end(true, () => {})
      resolve()
    }, boundMs)
    connection.end(boundMs === 0, done)
  })
}
