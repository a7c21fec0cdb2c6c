import { createClient, json, topic, type ClientOptions, type TidingsClient } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  readPublish,
  spawnMosquitto,
  startFaultProxy,
  wireReader,
  type FaultProxy,
  type MosquittoFixture,
  type WirePublish,
} from '../../src/fixtures/index.js'

// The bytes tidings writes when it sends a QoS 1 publish again after a reconnect, read off the wire
// between the client and a real Mosquitto.
describe('DUP flag of a resent PUBLISH, on the wire (real Mosquitto)', () => {
  let broker: MosquittoFixture
  let proxy: FaultProxy
  const clients: TidingsClient[] = []
  let sent: Array<WirePublish & { connection: number }> = []
  const t = topic('dup/{id}', json<string>(), { qos: 1 })

  beforeAll(async () => {
    broker = await spawnMosquitto()
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
    await proxy.close()
    sent = []
  })
  afterAll(async () => {
    await broker?.close()
  })

  const start = async (protocolVersion: 4 | 5): Promise<void> => {
    const readers = new Map<number, ReturnType<typeof wireReader>>()
    proxy = await startFaultProxy({
      target: { host: broker.host, port: broker.port },
      tap: ({ connection, direction, bytes }) => {
        if (direction !== 'toServer') return
        if (!readers.has(connection)) readers.set(connection, wireReader())
        for (const packet of readers.get(connection)!(bytes)) {
          const publish = readPublish(packet, protocolVersion)
          if (publish) sent.push({ ...publish, connection })
        }
      },
    })
  }
  const make = (options: Partial<ClientOptions>): TidingsClient => {
    const client = createClient({
      broker: mosquitto({ host: '127.0.0.1', port: proxy.port, clientId: `dup-${process.pid}-${clients.length}` }),
      transport: tcp(),
      reconnect: { baseMs: 50, capMs: 100 },
      ...options,
    })
    client.on('error', () => {})
    clients.push(client)
    return client
  }

  /** Publishes once; the PUBLISH reaches the broker, its PUBACK is lost to a reset; returns what went out. */
  async function resentAfterLostAck(options: Partial<ClientOptions>): Promise<typeof sent> {
    const client = make(options)
    await client.connect()
    // Every chunk is held 200 ms: the PUBLISH reaches the broker at 200 ms, its PUBACK would reach the
    // client at 400 ms, and the reset at 300 ms drops it.
    proxy.delay(200)
    const published = client.publish(t, { id: 'a' }, 'once')
    await new Promise((r) => setTimeout(r, 300))
    expect(proxy.cut('rst')).toBe(1)
    proxy.delay(0)
    await published
    return sent.filter((p) => p.topic === 'dup/a')
  }

  it('first send DUP=0; the send after the reconnect DUP=1, same payload, on a new connection', async () => {
    await start(5)
    const [first, again, ...rest] = await resentAfterLostAck({ protocolVersion: 5 })
    expect(rest).toEqual([])
    expect(first).toMatchObject({ dup: false, qos: 1, connection: 1 })
    expect(again).toMatchObject({ dup: true, qos: 1, connection: 2 })
    expect(String(again!.payload)).toBe(String(first!.payload))
  })

  // On a resumed session MQTT requires the resend to reuse the packet id (3.1.1 §4.4, 5.0 §4.4).
  it('the same on MQTT 3.1.1 with a persistent session, with the original packet id', async () => {
    await start(4)
    const [first, again, ...rest] = await resentAfterLostAck({ protocolVersion: 4, session: { persistent: true } })
    expect(rest).toEqual([])
    expect(first).toMatchObject({ dup: false, qos: 1, connection: 1 })
    expect(again).toMatchObject({ dup: true, qos: 1, connection: 2 })
    expect(String(again!.payload)).toBe(String(first!.payload))
    expect(again!.packetId).toBe(first!.packetId)
  })
})
