import * as mqttPacket from 'mqtt-packet'
import type { Packet } from 'mqtt-packet'
import { createSocketStream, genericBroker, type BrokerProfile, type Timers, type Transport } from '../../src/index.js'
import type { CloseInfo, SocketEvents } from '../../src/transport/socket-stream.js'

/**
 * An in-memory transport whose far end the test plays: every `open()` makes a {@link FakeSocket} that
 * parses what the client writes with mqtt-packet and answers with packets the test chooses. No network.
 */
export interface MemoryBroker {
  readonly transport: Transport
  /** Every socket the client opened, in order. */
  readonly sockets: FakeSocket[]
  /** The next socket the client opens (or the latest one, if already opened and not yet taken). */
  nextSocket(): Promise<FakeSocket>
}

/** The broker side of one connection. */
export interface FakeSocket {
  /** Packets the client sent, in order. */
  readonly received: Packet[]
  readonly closed: boolean
  /** Resolves with the next received packet of this type (or one already received and not yet taken). */
  next<C extends Packet['cmd']>(cmd: C): Promise<Extract<Packet, { cmd: C }>>
  /** Sends a packet to the client. */
  send(packet: Packet): void
  /** Sends packets to the client in one message, as one TCP read would deliver them. */
  sendTogether(packets: Packet[]): void
  /** How many messages (transport writes) the client sent. */
  readonly writes: number
  /** Holds the client's writes unacknowledged, so its stream buffers; the returned function lets them go. */
  hold(): () => void
  /** Sends raw bytes to the client (malformed or oversized packets). */
  sendRaw(bytes: Uint8Array): void
  /** Answers CONNECT. */
  connack(returnCode?: number, sessionPresent?: boolean): void
  /** The network drops the connection. */
  drop(info?: CloseInfo): void
  /** The platform socket fails with this error (e.g. one with `code: 'ECONNRESET'`), then closes. */
  fail(error: Error): void
}

export function memoryBroker(protocolVersion: 4 | 5 = 4): MemoryBroker {
  const sockets: FakeSocket[] = []
  let taken = 0
  const waiting: Array<(socket: FakeSocket) => void> = []
  const transport: Transport = {
    name: 'memory',
    scheme: 'mqtt',
    open: () =>
      createSocketStream((events) => {
        const socket = fakeSocket(events, protocolVersion)
        sockets.push(socket)
        const waiter = waiting.shift()
        if (waiter) {
          taken++
          waiter(socket)
        }
        // The socket opens asynchronously, as a real one does.
        queueMicrotask(() => events.open())
        return { send: (data, done) => (socket as Internal).write(data, done), close: () => (socket as Internal).end() }
      }),
  }
  return {
    transport,
    sockets,
    nextSocket: () => {
      if (taken < sockets.length) return Promise.resolve(sockets[taken++]!)
      return new Promise((resolve) => waiting.push(resolve))
    },
  }
}

type Internal = FakeSocket & { write(data: Uint8Array, done: (error?: Error | null) => void): void; end(): void }

function fakeSocket(events: SocketEvents, protocolVersion: 4 | 5): Internal {
  const parser = mqttPacket.parser({ protocolVersion })
  const received: Packet[] = []
  const unread: Packet[] = []
  const waiters: Array<{ cmd: string; resolve: (p: Packet) => void }> = []
  let closed = false
  let writes = 0
  let held: Array<() => void> | undefined
  parser.on('packet', (packet: Packet) => {
    received.push(packet)
    const i = waiters.findIndex((w) => w.cmd === packet.cmd)
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(packet)
    else unread.push(packet)
  })
  const socket: Internal = {
    received,
    get closed() {
      return closed
    },
    get writes() {
      return writes
    },
    hold: () => {
      held ??= []
      return () => {
        const done = held ?? []
        held = undefined
        for (const release of done) release()
      }
    },
    sendTogether: (packets) => {
      if (!closed) events.message(Buffer.concat(packets.map((p) => mqttPacket.generate(p, { protocolVersion }))))
    },
    next: <C extends Packet['cmd']>(cmd: C) => {
      const i = unread.findIndex((p) => p.cmd === cmd)
      if (i >= 0) return Promise.resolve(unread.splice(i, 1)[0] as Extract<Packet, { cmd: C }>)
      return new Promise<Extract<Packet, { cmd: C }>>((resolve) =>
        waiters.push({ cmd, resolve: resolve as (p: Packet) => void }),
      )
    },
    send: (packet) => {
      if (!closed) events.message(mqttPacket.generate(packet, { protocolVersion }))
    },
    sendRaw: (bytes) => {
      if (!closed) events.message(bytes)
    },
    connack: (returnCode = 0, sessionPresent = false) =>
      socket.send(
        protocolVersion === 5
          ? { cmd: 'connack', reasonCode: returnCode, sessionPresent }
          : { cmd: 'connack', returnCode, sessionPresent },
      ),
    drop: (info) => {
      if (closed) return
      closed = true
      events.close(info)
    },
    fail: (error) => {
      if (closed) return
      closed = true
      events.error(error)
      events.close({ reason: error.message })
    },
    write: (data, done) => {
      writes++
      parser.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
      if (held) held.push(() => done())
      else done()
    },
    end: () => {
      if (closed) return
      closed = true
      // The far end sees the close; the client's stream closes itself.
      queueMicrotask(() => events.close({ code: 1000, reason: 'client closed' }))
    },
  }
  return socket
}

/** Timers the test fires by hand; `delays` records every delay asked for. */
export function manualTimers(): Timers & { readonly delays: number[]; pending(): number; fireNext(): boolean } {
  const queue = new Map<number, { run: () => void; ms: number }>()
  const delays: number[] = []
  let id = 0
  return {
    delays,
    setTimeout(run, ms) {
      delays.push(ms)
      queue.set(++id, { run, ms })
      return id
    },
    clearTimeout(handle) {
      queue.delete(handle as number)
    },
    pending: () => queue.size,
    fireNext() {
      const first = queue.entries().next()
      if (first.done) return false
      const [handle, timer] = first.value
      queue.delete(handle)
      timer.run()
      return true
    },
  }
}

/** A profile for the memory transport that counts how often credentials were asked for. */
export function countingProfile(
  options: { mqtt5?: boolean; refreshesCredentials?: boolean; password?: () => string } = {},
): BrokerProfile & { readonly calls: Array<{ attempt: number; previousError?: { code: string } }> } {
  const base = genericBroker({ url: 'mqtt://127.0.0.1:1883', clientId: 'memory-client' })
  const calls: Array<{ attempt: number; previousError?: { code: string } }> = []
  return {
    ...base,
    name: 'memory',
    capabilities: { ...base.capabilities, mqtt5: options.mqtt5 ?? false },
    ...(options.refreshesCredentials ? { refreshesCredentials: true } : {}),
    connectOptions(ctx) {
      calls.push({ ...ctx })
      return { clientId: 'memory-client', username: 'u', password: options.password?.() ?? 'p' }
    },
    calls,
  }
}

/** Lets queued microtasks and I/O callbacks run (the in-memory socket answers asynchronously). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
