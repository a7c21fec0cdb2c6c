import type { TransportStream } from '../contracts.js'

/**
 * The write side of one connection's stream, shared by everything the engine writes:
 *
 * - **One chunk per tick.** MQTT.js handles each incoming packet in its own tick and writes its answer
 *   (PUBACK, PUBREC, …) at once, so with TCP_NODELAY every answer was its own syscall (or WebSocket
 *   message). The first write of a tick corks the stream and a microtask uncorks it: everything written
 *   until then leaves together. The microtask runs after the tick's `process.nextTick` queue, where
 *   MQTT.js's packet loop runs, and before any I/O, so no round trip waits longer.
 * - **Backpressure for QoS 0.** A QoS 0 publish resolves once its bytes are handed to the platform; when
 *   the stream's buffer is full that is on `drain`. One `drain` listener serves every waiting publish
 *   (MQTT.js would add one per callback, which makes a burst quadratic).
 */
export class WriteBatch {
  private corked = false
  private waiters: Array<() => void> | undefined
  /** The `drain` listener is added by the first wait for it, so an idle connection carries none. */
  private listening = false
  private readonly canCork: boolean

  constructor(private readonly stream: TransportStream) {
    this.canCork = typeof stream.cork === 'function' && typeof stream.uncork === 'function'
  }

  /** Holds the writes of this tick together; they leave as one chunk once its microtasks ran. */
  cork(): void {
    if (this.corked || !this.canCork) return
    this.corked = true
    this.stream.cork()
    // A resolved promise, not queueMicrotask: mini-program runtimes may lack the latter. The batch rides on
    // the promise, so no function per batch (or per connection) is needed.
    Promise.resolve(this).then(uncork)
  }

  /** Lets the corked writes go (run once the tick's microtasks ran; see {@link cork}). */
  uncork(): void {
    this.corked = false
    this.stream.uncork()
  }

  /** True while the stream's buffer is over its high-water mark (its last write returned false). */
  get full(): boolean {
    return (this.stream as { writableNeedDrain?: boolean }).writableNeedDrain === true
  }

  /** Runs `done` on the next `drain`, or when the connection closes (see {@link release}). */
  afterDrain(done: () => void): void {
    ;(this.waiters ??= []).push(done)
    if (this.listening) return
    this.listening = true
    this.stream.on('drain', () => this.release())
  }

  /** Runs every waiting callback: the buffer drained, or the connection closed and nothing more will drain. */
  release(): void {
    const waiters = this.waiters
    if (waiters === undefined) return
    this.waiters = undefined
    for (const done of waiters) done()
  }
}

/** Ends a batch: everything written since its cork leaves as one chunk. */
function uncork(batch: WriteBatch): void {
  batch.uncork()
}
