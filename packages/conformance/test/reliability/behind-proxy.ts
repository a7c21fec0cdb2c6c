import { createClient, type ClientOptions, type TidingsClient } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { spawnMosquitto, startFaultProxy, type FaultProxy, type MosquittoFixture } from '../../src/fixtures/index.js'

/** Real Mosquitto behind a fault proxy for one test file, and the clients its tests make. */
export interface BehindProxy {
  readonly broker: MosquittoFixture
  readonly relay: FaultProxy
  /**
   * A client of Mosquitto at `port` (the proxy's, or the broker's own), with its own client id and fast
   * reconnects; closed after each test.
   */
  make(port: number, options?: Partial<ClientOptions>): TidingsClient
}

/**
 * Starts Mosquitto and a fault proxy in front of it once for the calling file (its `beforeAll`), closes the
 * tests' clients after each test and both at the end. `defaults` apply to every client; `silent` adds an
 * `error` listener that drops what the test does not look at (files that count errors leave it off).
 */
export function mosquittoBehindProxy(
  name: string,
  defaults: Partial<ClientOptions> = {},
  { silent = true }: { silent?: boolean } = {},
): BehindProxy {
  let broker: MosquittoFixture | undefined
  let relay: FaultProxy | undefined
  let n = 0
  const clients: TidingsClient[] = []
  beforeAll(async () => {
    broker = await spawnMosquitto()
    relay = await startFaultProxy({ target: { host: '127.0.0.1', port: broker.port } })
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
  })
  afterAll(async () => {
    await relay?.close()
    await broker?.close()
  })
  return {
    get broker() {
      return broker!
    },
    get relay() {
      return relay!
    },
    make(port, options = {}) {
      const client = createClient({
        broker: mosquitto({ host: '127.0.0.1', port, clientId: `${name}-${process.pid}-${++n}` }),
        transport: tcp(),
        reconnect: { baseMs: 50, capMs: 200 },
        ...defaults,
        ...options,
      })
      if (silent) client.on('error', () => {})
      clients.push(client)
      return client
    },
  }
}
