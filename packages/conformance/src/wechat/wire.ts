import WebSocket from 'ws'

/** One socket request, as a fake platform hands it to its wire. */
export interface WireRequest {
  url: string
  protocols: string[]
  header: Record<string, string>
  timeoutMs: number | undefined
}

/** What a wire reports about its connection. */
export interface WireHandlers {
  open(): void
  message(data: Uint8Array | string): void
  close(code: number, reason: string): void
  error(message: string): void
}

/** The wire side of one connection. */
export interface WireConnection {
  send(data: Uint8Array | string, done: (error?: Error) => void): void
  close(code: number, reason: string): void
  /** Cuts the connection without telling the platform side (the app is suspended). */
  cut(): void
}

/** How a fake platform moves bytes: in memory (unit tests) or over a real WebSocket (integration). */
export type Wire = (request: WireRequest, handlers: WireHandlers) => WireConnection

/** A connection of the memory wire; the test plays the server. */
export interface MemoryConnection {
  readonly request: WireRequest
  /** Frames the platform sent, as it passed them to the wire. */
  readonly frames: Array<Uint8Array | string>
  /** `close(code, reason)` calls that reached the wire. */
  readonly closes: Array<{ code: number; reason: string }>
  open(): void
  message(data: Uint8Array | string): void
  close(code: number, reason: string): void
  error(message: string): void
}

/** A wire whose connections are driven by the test. */
export function memoryWire(): { wire: Wire; connections: MemoryConnection[] } {
  const connections: MemoryConnection[] = []
  const wire: Wire = (request, handlers) => {
    const frames: Array<Uint8Array | string> = []
    const closes: Array<{ code: number; reason: string }> = []
    connections.push({
      request,
      frames,
      closes,
      open: () => handlers.open(),
      message: (data) => handlers.message(data),
      close: (code, reason) => handlers.close(code, reason),
      error: (message) => handlers.error(message),
    })
    return {
      send(data, done) {
        frames.push(data)
        done()
      },
      close(code, reason) {
        closes.push({ code, reason })
        queueMicrotask(() => handlers.close(code, reason))
      },
      cut() {},
    }
  }
  return { wire, connections }
}

/**
 * A wire backed by the `ws` client, to a real broker. The `Sec-WebSocket-Protocol` header (Alipay sends
 * the subprotocol that way) is turned into protocols, as a platform's HTTP stack would send it.
 */
export function wsWire(): Wire {
  return (request, handlers) => {
    const fromHeader = Object.entries(request.header).find(
      ([name]) => name.toLowerCase() === 'sec-websocket-protocol',
    )?.[1]
    const protocols = [
      ...request.protocols,
      ...(fromHeader
        ? fromHeader
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean)
        : []),
    ]
    const headers = Object.fromEntries(
      Object.entries(request.header).filter(([name]) => name.toLowerCase() !== 'sec-websocket-protocol'),
    )
    const ws = new WebSocket(request.url, [...new Set(protocols)], {
      headers,
      handshakeTimeout: request.timeoutMs ?? 60_000,
    })
    let silent = false
    ws.on('open', () => {
      if (!silent) handlers.open()
    })
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (silent) return
      handlers.message(isBinary ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data.toString('utf8'))
    })
    ws.on('close', (code: number, reason: Buffer) => {
      if (!silent) handlers.close(code, reason.toString('utf8'))
    })
    ws.on('error', (error: Error) => {
      if (!silent) handlers.error(error.message)
    })
    return {
      send(data, done) {
        ws.send(data, (error) => done(error ?? undefined))
      },
      close(code, reason) {
        ws.close(code, reason)
      },
      cut() {
        silent = true
        ws.terminate()
      },
    }
  }
}
