import type { TransportStream } from '../contracts.js'

/** What MQTT.js pipes the stream into: its parser's writable. */
export interface ParserInput {
  write(bytes: Uint8Array): unknown
}

// biome-ignore lint/suspicious/noExplicitAny: the listener signature of Node's EventEmitter.
type Listener = (...args: any[]) => void

/**
 * The stream MQTT.js is given: the connection's own for everything MQTT.js does with it (writes, events,
 * ending), except reading. MQTT.js reads by piping the stream into its parser; here `pipe` only hands the
 * parser's input to `attach`, and the packet reader (packet-reader.ts) writes into it what MQTT.js is to
 * parse. Only the calls MQTT.js 5 and mqtt-packet make on a stream are passed on, and they are passed as
 * they are.
 */
export class ParserFacingStream {
  /**
   * `beforeWrite` runs before each write and end of MQTT.js's: what tidings wrote ahead of it (see
   * write-batch.ts) goes first.
   */
  constructor(
    private readonly stream: TransportStream,
    private readonly attach: (parser: ParserInput) => void,
    private readonly beforeWrite: () => void,
  ) {}

  pipe<T extends ParserInput>(parser: T): T {
    this.attach(parser)
    return parser
  }

  on(event: string, listener: Listener): this {
    this.stream.on(event, listener)
    return this
  }

  once(event: string, listener: Listener): this {
    this.stream.once(event, listener)
    return this
  }

  removeListener(event: string, listener: Listener): this {
    this.stream.removeListener(event, listener)
    return this
  }

  setMaxListeners(n: number): this {
    this.stream.setMaxListeners(n)
    return this
  }

  write(bytes: Uint8Array): boolean {
    this.beforeWrite()
    return this.stream.write(bytes)
  }

  cork(): void {
    this.stream.cork()
  }

  uncork(): void {
    this.stream.uncork()
  }

  end(done?: () => void): this {
    this.beforeWrite()
    this.stream.end(done)
    return this
  }

  destroy(error?: Error): this {
    this.stream.destroy(error)
    return this
  }
}
