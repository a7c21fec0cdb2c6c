import { Buffer } from 'buffer'
import type { TransportStream } from '../contracts.js'

/**
 * The write side of one connection's stream, shared by everything the engine writes:
 *
 * - **One chunk per tick.** MQTT.js handles each incoming packet in its own tick and writes its answer
 *   (PUBACK, PUBREC, …) at once, so with TCP_NODELAY every answer was its own syscall (or WebSocket
 *   message). The first write of a tick corks the stream and a microtask uncorks it: everything written
 *   until then leaves together. The microtask runs after the tick's `process.nextTick` queue, where
 *   MQTT.js's packet loop runs, and before any I/O, so no round trip waits longer. While a received
 *   chunk is read, the uncork is queued only once the chunk is read, behind the microtasks the chunk
 *   queued: the app's code awaiting its messages runs first, and what it writes leaves with the PUBACKs.
 * - **Backpressure for QoS 0.** A QoS 0 publish resolves once its bytes are handed to the platform; when
 *   the stream's buffer is full that is on `drain`. One `drain` listener serves every waiting publish
 *   (MQTT.js would add one per callback, which makes a burst quadratic).
 */
export class WriteBatch {
  private corked = false
  /** Corked by {@link holdWhileReading}, with no uncork scheduled yet. */
  private reading = false
  private waiters: Array<() => void> | undefined
  private drainedPromise: Promise<void> | undefined
  /** The `drain` listener is added by the first wait for it, so an idle connection carries none. */
  private listening = false
  private readonly canCork: boolean
  /** Packets of this tick handed to the stream one by one (see {@link write}). */
  private written = 0
  /**
   * The packets of this tick past the first {@link JOIN_AFTER} not yet handed on, joined, and how many bytes
   * of it are used.
   */
  private joined: Buffer | undefined
  private used = 0

  constructor(private readonly stream: TransportStream) {
    this.canCork = typeof stream.cork === 'function' && typeof stream.uncork === 'function'
  }

  /**
   * Writes a packet of tidings' own (PUBLISH, PUBREL, PUBACK). The first {@link JOIN_AFTER} of a tick go to
   * the corked stream as they are; the rest of a larger tick (a burst of publishes) are joined into
   * buffers of up to {@link JOIN_LIMIT}, handed on when full or when the tick ends. The stream then keeps a
   * chunk per 64 KiB instead of a chunk, a buffer object and a queue entry per packet: in a burst of 200k
   * awaited publishes those made the heap, and the time spent collecting it, grow faster than the burst.
   * Returns false, as a stream's `write` does, once the stream's buffer with the joined bytes is over its
   * high-water mark.
   */
  write(bytes: Uint8Array): boolean {
    const at = this.reserve(bytes.byteLength)
    if (at < 0) {
      this.flushJoined()
      this.written++
      return this.stream.write(bytes)
    }
    this.joined!.set(bytes, at)
    return !this.full
  }

  /**
   * Room for a packet of `size` bytes in this tick's joined buffer ({@link joinedBytes}), so the packet can be
   * built where it will leave from (see publish-wire.ts) instead of in a buffer of its own that is then
   * copied: the offset to write it at, the packet then counting as written. -1 when the packet must go
   * through {@link write} instead: among the first {@link JOIN_AFTER} of a tick, large, or on a stream that
   * cannot be corked.
   */
  reserve(size: number): number {
    this.cork()
    if (this.written < JOIN_AFTER || size >= DIRECT_BYTES || !this.corked) return -1
    let joined = this.joined
    const previous = joined?.length ?? 0
    if (joined && this.used + size > previous && previous >= JOIN_LIMIT) {
      // A full buffer is handed on as it is and the tick goes on in a new one of the same size: a burst of
      // any size is written in chunks of JOIN_LIMIT, without copying what was joined or holding it twice.
      this.flushJoined()
      joined = undefined
    }
    const at = this.used
    const end = at + size
    if (!joined || joined.length < end) {
      // Doubling up to the limit keeps the copies linear in the size of the tick.
      const grown = Buffer.allocUnsafe(Math.max(end, Math.min(2 * previous, JOIN_LIMIT), JOIN_BYTES))
      if (joined) joined.copy(grown, 0, 0, at)
      this.joined = joined = grown
    }
    this.used = end
    return at
  }

  /** The buffer {@link reserve} gives room in; only valid until the next reserve or write. */
  get joinedBytes(): Buffer | undefined {
    return this.joined
  }

  /** Hands the joined packets of this tick to the stream now, ahead of a write that must follow them. */
  flushJoined(): void {
    const used = this.used
    if (used === 0) return
    const chunk = this.joined!.subarray(0, used)
    // The stream keeps the chunk until it is written, so the next tick joins into a new buffer.
    this.joined = undefined
    this.used = 0
    // The joined bytes may have looked like too many for the buffer while the stream wrote what it held:
    // when they fit after all, no `drain` comes, and whoever waits for room has it now.
    if (this.stream.write(chunk) && this.waiters) this.release()
  }

  /** Holds the writes of this tick together; they leave as one chunk once its microtasks ran. */
  cork(): void {
    if (this.corked || !this.canCork) return
    this.corked = true
    this.stream.cork()
    this.scheduleUncork()
  }

  /**
   * Holds the writes made while a received chunk is read; {@link chunkRead} lets them go once the
   * microtasks the chunk queued (the app's code awaiting its messages, the publishes its acknowledgements
   * let out) ran. Those run first and their writes join the chunk's PUBACKs, where an uncork queued when
   * the chunk came in would have sent the PUBACKs alone, ahead of the app's code.
   */
  holdWhileReading(): void {
    if (this.corked || !this.canCork) return
    this.corked = true
    this.reading = true
    this.stream.cork()
  }

  /** The chunk held by {@link holdWhileReading} was read: its writes leave after its microtasks. */
  chunkRead(): void {
    if (!this.reading) return
    this.reading = false
    this.scheduleUncork()
  }

  private scheduleUncork(): void {
    // A resolved promise, not queueMicrotask: mini-program runtimes may lack the latter. The batch rides on
    // the promise, so no function per batch (or per connection) is needed.
    Promise.resolve(this).then(uncork)
  }

  /** Lets the corked writes go (run once the tick's microtasks ran; see {@link cork}). */
  uncork(): void {
    this.flushJoined()
    this.written = 0
    this.corked = false
    this.stream.uncork()
  }

  /** True while the stream's buffer, with the joined bytes of this tick, is over its high-water mark. */
  get full(): boolean {
    const stream = this.stream as {
      writableNeedDrain?: boolean
      writableLength?: number
      writableHighWaterMark?: number
    }
    if (stream.writableNeedDrain === true) return true
    return (
      this.used > 0 &&
      (stream.writableLength ?? 0) + this.used > (stream.writableHighWaterMark ?? Number.POSITIVE_INFINITY)
    )
  }

  /** One promise for every wait on the next `drain` (or the close), instead of one per waiting publish. */
  drained(): Promise<void> {
    return (this.drainedPromise ??= new Promise<void>((resolve) => this.afterDrain(resolve)))
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
    this.drainedPromise = undefined
    for (const done of waiters) done()
  }
}

/** Packets of a tick written to the stream as they are, before the rest are joined (see `write`). */
const JOIN_AFTER = 32

/** Packets at least this large always go to the stream as they are, without a copy. */
const DIRECT_BYTES = 16 * 1024

/** The first size of a tick's joined buffer. */
const JOIN_BYTES = 4096

/** The largest joined buffer: past it, the tick's packets go on in a new one (see `reserve`). */
const JOIN_LIMIT = 64 * 1024

/** Ends a batch: everything written since its cork leaves as one chunk. */
function uncork(batch: WriteBatch): void {
  batch.uncork()
}
