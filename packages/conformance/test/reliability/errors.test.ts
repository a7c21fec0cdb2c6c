import { createClient, type ClientOptions, type TidingsClient, type TidingsError } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort, spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'
import { startFaultProxy, type FaultProxy } from '../../src/fixtures/index.js'

// Against a real Mosquitto behind the fault proxy (loopback): how a cut connection and a refused one are reported.
describe('cut versus refused (real Mosquitto)', () => {
  let broker: MosquittoFixture
  let relay: FaultProxy
  const clients: TidingsClient[] = []
  const make = (port: number, options: Partial<ClientOptions> = {}): TidingsClient => {
    const client = createClient({
      broker: mosquitto({ host: '127.0.0.1', port }),
      transport: tcp(),
      reconnect: { baseMs: 50, capMs: 200 },
      ...options,
    })
    clients.push(client)
    return client
  }

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

  it('a reset of a live connection is CONNECTION_LOST, with the socket error as cause, and reconnects', async () => {
    const client = make(relay.port)
    const errors: TidingsError[] = []
    client.on('error', (e) => errors.push(e))
    await client.connect()
    relay.cut('rst')
    await expect.poll(() => errors.length, { timeout: 3000 }).toBeGreaterThan(0)
    expect(errors[0]).toMatchObject({ code: 'CONNECTION_LOST' })
    expect((errors[0]!.cause as { code?: string }).code).toBe('ECONNRESET')
    await expect.poll(() => client.state, { timeout: 3000 }).toBe('online')
  })

  it('an attempt nobody answers is CONNECTION_REFUSED', async () => {
    const client = make(await freePort(), { reconnect: false })
    await expect(client.connect()).rejects.toMatchObject({ code: 'CONNECTION_REFUSED' })
  })

  it('garbage from the broker side closes the connection with PROTOCOL_ERROR, and the client reconnects', async () => {
    const client = make(relay.port)
    const errors: TidingsError[] = []
    client.on('error', (e) => errors.push(e))
    await client.connect()
    const before = relay.connections().length
    relay.inject(Buffer.from('garbage!'), 'toClient')
    await expect.poll(() => errors.length, { timeout: 3000 }).toBeGreaterThan(0)
    expect(errors[0]).toMatchObject({ code: 'PROTOCOL_ERROR' })
    await expect.poll(() => client.state, { timeout: 3000 }).toBe('online')
    expect(before).toBe(1)
  })

  it('a PUBLISH header announcing 200 MB ends the connection before its body is read', async () => {
    const client = make(relay.port, { maxPacketBytes: 64 * 1024 })
    const errors: TidingsError[] = []
    client.on('error', (e) => errors.push(e))
    await client.connect()
    relay.inject(Uint8Array.of(0x30, 0x80, 0xb4, 0xae, 0x5f), 'toClient')
    await expect.poll(() => errors.length, { timeout: 3000 }).toBeGreaterThan(0)
    expect(errors[0]!.message).toContain('maxPacketBytes')
    await expect.poll(() => client.state, { timeout: 3000 }).toBe('online')
  })
})
