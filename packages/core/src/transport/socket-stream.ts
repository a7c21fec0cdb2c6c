import { Buffer } from 'buffer'
import { Duplex } from 'readable-stream'
import type { TransportStream } from '../contracts.js'

/** Why a socket closed, as the platform reported it. Shown in the client's `state` events. */
export interface CloseInfo {
  code?: number
  reason?: string
}

/** Callbacks a platform socket adapter calls when its socket does something. */
export interface SocketEvents {
  open(): void
  message(data: ArrayBuffer | ArrayBufferView | string): void
  /** The socket closed (by either side). Safe to call more than once; only the first counts. */
  close(info?: CloseInfo): void
  /** The socket failed. Give the error a `code` (a TidingsError is best) so it reaches the client's `error` event. */
  error(error: Error): void
}

/** What a platform socket adapter offers the stream. */
export interface SocketControls {
  /** Sends exactly these bytes as one message. Only called after `open()`. */
  send(data: Uint8Array, done: (error?: Error | null) => void): void
  /** Closes the socket. Called at most once, and never after the socket reported `close`. */
  close(code?: number, reason?: string): void
}

/** A stream made by {@link createSocketStream}; `closeInfo` is set once the socket closed. */
export type SocketStream = TransportStream & { closeInfo?: CloseInfo }

/**
 * Turns a message-oriented socket (browser WebSocket, mini-program SocketTask) into the byte stream the
 * MQTT client reads and writes. Transports only map their platform's events; this one implementation
 * does the rest, per connection:
 * - writes issued before the socket opens are queued and sent in one message on open;
 * - packets written in the same tick (MQTT.js corks each packet) leave as one message, not one per field;
 * - `close` is emitted exactly once, and the socket is never closed twice;
 * - socket errors are surfaced with their code instead of being swallowed.
 *
 * @example
 * ```ts
 * open: (endpoint) => createSocketStream((events) => {
 *   const ws = new WebSocket(url, ['mqtt']); ws.binaryType = 'arraybuffer'
 *   ws.onopen = () => events.open(); ws.onmessage = (e) => events.message(e.data)
 *   ws.onclose = (e) => events.close({ code: e.code, reason: e.reason }); ws.onerror = () => events.error(err)
 *   return { send: (data, done) => { ws.send(data); done() }, close: (code, reason) => ws.close(code, reason) }
 * })
 * ```
 */
export function createSocketStream(connect: (events: SocketEvents) => SocketControls): SocketStream {
  let opened = false
  let closed = false
  let pending: Array<{ data: Uint8Array; done: (error?: Error | null) => void }> = []

  const stream = new Duplex({
    read() {},
    write(chunk: Uint8Array, _encoding: string, done: (error?: Error | null) => void) {
      if (closed) return done(notConnected())
      if (opened) controls.send(chunk, done)
      else pending.push({ data: chunk, done })
    },
    writev(chunks: ArrayLike<{ chunk: Uint8Array }>, done: (error?: Error | null) => void) {
      const data = chunks.length === 1 ? chunks[0]!.chunk : concat(Array.from(chunks, (c) => c.chunk))
      if (closed) return done(notConnected())
      if (opened) controls.send(data, done)
      else pending.push({ data, done })
    },
    final(done: (error?: Error | null) => void) {
      closeSocket(1000, 'client closed')
      done()
    },
    destroy(error: Error | null, done: (error: Error | null) => void) {
      closeSocket(1000, 'client closed')
      failPending(error ?? notConnected())
      done(error)
    },
  }) as unknown as SocketStream

  const closeSocket = (code: number, reason: string): void => {
    if (closed) return
    closed = true
    try {
      controls.close(code, reason)
    } catch {
      // The platform may throw when the socket is already half-closed; the stream is ending anyway.
    }
  }

  const failPending = (error: Error): void => {
    const waiting = pending
    pending = []
    for (const entry of waiting) entry.done(error)
  }

  const events: SocketEvents = {
    open() {
      if (closed || opened) return
      opened = true
      const waiting = pending
      pending = []
      if (waiting.length === 0) return
      const data = waiting.length === 1 ? waiting[0]!.data : concat(waiting.map((w) => w.data))
      controls.send(data, (error) => {
        for (const w of waiting) w.done(error)
      })
    },
    message(data) {
      if (stream.destroyed) return
      stream.push(toBuffer(data))
    },
    close(info) {
      if (stream.destroyed) return
      closed = true
      stream.closeInfo = info ?? {}
      stream.push(null)
      stream.destroy()
    },
    error(error) {
      if (stream.destroyed) return
      stream.destroy(error)
    },
  }

  const controls = connect(events)
  return stream
}

/**
 * The exact bytes of a view as a standalone ArrayBuffer. Platforms whose `send` takes an ArrayBuffer need
 * this: sending `view.buffer` would send the whole backing buffer (for a pooled Buffer, 8 KB of other data).
 */
export function exactArrayBuffer(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) {
    return view.buffer
  }
  const copy = new Uint8Array(view.byteLength)
  copy.set(view)
  return copy.buffer
}

function toBuffer(data: ArrayBuffer | ArrayBufferView | string): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return Buffer.from(data)
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.byteLength
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

function notConnected(): Error {
  return Object.assign(new Error('socket is not open'), { code: 'ENOTCONN' })
}
