import { defer } from '../internal/defer.js'

/** A listener map: event name → listener signature. */
export type EventMap = Record<string, (...args: never[]) => void>

/**
 * A minimal typed emitter. `on()` returns its own unsubscribe function. Emitting `error` with no listener
 * does not throw (unlike Node's EventEmitter): connection errors also reject the call that caused them.
 */
export class Emitter<E extends EventMap> {
  private listeners: { [K in keyof E]?: Set<E[K]> } = {}

  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.listeners[event]
    if (!set) this.listeners[event] = set = new Set()
    set.add(listener)
    return () => this.off(event, listener)
  }

  off<K extends keyof E>(event: K, listener: E[K]): void {
    this.listeners[event]?.delete(listener)
  }

  listenerCount(event: keyof E): number {
    return this.listeners[event]?.size ?? 0
  }

  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.listeners[event]
    if (!set) return
    for (const listener of [...set]) {
      try {
        ;(listener as (...a: Parameters<E[K]>) => void)(...args)
      } catch (error) {
        // A throwing listener must not break the client's state machine; rethrow outside of it.
        defer(() => {
          throw error
        })
      }
    }
  }
}
