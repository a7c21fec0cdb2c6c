import type { MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { incomingTopicProblem, topicMatches } from '@tidings/core'
import {
  type FaultProxy,
  type MosquittoFixture,
  type WirePacket,
  readPublish,
  spawnMosquitto,
  startFaultProxy,
  wireReader,
} from '../../src/fixtures/index.js'
import { connectRaw, endAll, next, rawPublish } from './helpers.js'

describe('fault proxy in front of a real Mosquitto (raw MQTT.js clients)', () => {
  let broker: MosquittoFixture
  let proxy: FaultProxy
  let clients: MqttClient[] = []
  const track = (c: MqttClient): MqttClient => {
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    broker = await spawnMosquitto()
  })
  afterAll(async () => {
    await broker?.close()
  })
  afterEach(async () => {
    await endAll(clients)
    clients = []
    await proxy?.close()
  })
  const start = async (): Promise<FaultProxy> => {
    proxy = await startFaultProxy({ target: { host: broker.host, port: broker.port } })
    return proxy
  }

  it('passes MQTT through both ways and counts what it forwards', async () => {
    await start()
    const sub = track(await connectRaw(proxy.port))
    const pub = track(await connectRaw(proxy.port))
    await sub.subscribeAsync('fp/pass', { qos: 1 })
    const got = new Promise<string>((resolve) =>
      sub.once('message', (topic, payload) => resolve(`${topic} ${payload}`)),
    )
    await pub.publishAsync('fp/pass', 'hello', { qos: 1 })
    expect(await got).toBe('fp/pass hello')
    expect(proxy.connections()).toHaveLength(2)
    const stats = proxy.stats()
    expect(stats).toMatchObject({ accepted: 2, active: 2, refused: 0, dropped: 0 })
    expect(stats.bytesToServer).toBeGreaterThan(0)
    expect(stats.bytesToClient).toBeGreaterThan(0)
  })

  it('tap sees every forwarded byte; wireReader splits it into packets and readPublish reads a PUBLISH', async () => {
    const seen: Array<{ direction: string; packet: WirePacket }> = []
    const readers = new Map<string, ReturnType<typeof wireReader>>()
    proxy = await startFaultProxy({
      target: { host: broker.host, port: broker.port },
      tap: ({ connection, direction, bytes }) => {
        const key = `${connection}-${direction}`
        if (!readers.has(key)) readers.set(key, wireReader())
        // One byte at a time: the reader must not depend on how the stream is chunked.
        for (const byte of bytes)
          for (const packet of readers.get(key)!(Buffer.of(byte))) seen.push({ direction, packet })
      },
    })
    const client = track(await connectRaw(proxy.port, { protocolVersion: 5 }))
    await client.publishAsync('fp/tap', 'payload', { qos: 1, properties: { contentType: 'text/plain' } })
    const types = seen.map(({ direction, packet }) => `${direction}:${packet.type}`)
    // CONNECT, CONNACK, PUBLISH, PUBACK
    expect(types).toEqual(['toServer:1', 'toClient:2', 'toServer:3', 'toClient:4'])
    const publish = readPublish(seen[2]!.packet, 5)!
    expect(publish).toMatchObject({ dup: false, qos: 1, retain: false, topic: 'fp/tap' })
    expect(String(publish.payload)).toBe('payload')
    // The PUBACK names the same packet id.
    expect(seen[3]!.packet.body.readUInt16BE(0)).toBe(publish.packetId)
    expect(readPublish(seen[0]!.packet, 5)).toBeUndefined()
    expect(() => wireReader()(Buffer.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01))).toThrow(/not MQTT/)
  })

  it('cut("rst") reaches the client as ECONNRESET', async () => {
    await start()
    const client = track(await connectRaw(proxy.port))
    const error = next<NodeJS.ErrnoException>(client, 'error')
    const closed = next(client, 'close')
    expect(proxy.cut('rst')).toBe(1)
    expect((await error).code).toBe('ECONNRESET')
    await closed
  })

  it('cut("fin") reaches the client as a clean close, without a socket error', async () => {
    await start()
    const client = track(await connectRaw(proxy.port))
    const errors: unknown[] = []
    client.on('error', (e) => errors.push(e))
    const closed = next(client, 'close')
    expect(proxy.cut('fin', proxy.connections()[0]!.id)).toBe(1)
    await closed
    expect(errors).toEqual([])
  })

  it('blackhole(true) keeps the socket open but silent until the keepalive gives up', async () => {
    await start()
    const client = track(await connectRaw(proxy.port, { keepalive: 1 }))
    proxy.blackhole(true)
    const error = next<Error>(client, 'error', 8000)
    expect((await error).message).toBe('Keepalive timeout')
    // The proxy never closed anything: the client gave up on its own.
    expect(proxy.stats().dropped).toBeGreaterThan(0)
  })

  it('refuse(true) resets new connections at once and leaves open ones alone', async () => {
    await start()
    const open = track(await connectRaw(proxy.port))
    proxy.refuse(true)
    await expect(connectRaw(proxy.port)).rejects.toThrow('closed before CONNACK')
    expect(proxy.stats().refused).toBe(1)
    expect(open.connected).toBe(true)
    proxy.refuse(false)
    track(await connectRaw(proxy.port))
  })

  it('delay(ms) holds every chunk in both directions', async () => {
    await start()
    const client = track(await connectRaw(proxy.port))
    let t0 = performance.now()
    await client.publishAsync('fp/delay', 'x', { qos: 1 })
    const fast = performance.now() - t0
    proxy.delay(150)
    t0 = performance.now()
    await client.publishAsync('fp/delay', 'x', { qos: 1 })
    const slow = performance.now() - t0
    // PUBLISH held 150 ms on the way in, PUBACK 150 ms on the way out.
    expect(slow).toBeGreaterThanOrEqual(290)
    // Relative, so a loaded machine slowing both round trips does not fail it.
    expect(slow - fast).toBeGreaterThan(200)
    expect(() => proxy.delay(-1)).toThrow(RangeError)
  })

  it('changing the delay mid-stream keeps the byte order', async () => {
    await start()
    const sub = track(await connectRaw(broker.port))
    await sub.subscribeAsync('fp/order', { qos: 1 })
    const seen: string[] = []
    const all = new Promise<void>((resolve) =>
      sub.on('message', (_t, p) => {
        if (seen.push(String(p)) === 20) resolve()
      }),
    )
    const pub = track(await connectRaw(proxy.port))
    proxy.delay(80)
    for (let i = 0; i < 20; i++) {
      if (i === 10) proxy.delay(0)
      pub.publish('fp/order', String(i), { qos: 1 })
      await new Promise((r) => setTimeout(r, 5))
    }
    await all
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => String(i)))
  })

  it('inject(garbage, "toClient"): MQTT.js reports a parse error and keeps the connection open', async () => {
    await start()
    const client = track(await connectRaw(proxy.port))
    const error = next<Error>(client, 'error')
    // A remaining length of five bytes: malformed (MQTT 3.1.1 §2.2.3 allows four).
    expect(proxy.inject(new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]), 'toClient')).toBe(1)
    expect((await error).message).toBe('Invalid variable byte integer')
    // MQTT 3.1.1 §4.8 says close; MQTT.js does not, so tidings' client has to.
    await new Promise((r) => setTimeout(r, 100))
    expect(client.connected).toBe(true)
  })

  it('inject(malformed PUBLISH, "toClient"): a wildcard topic reaches MQTT.js, tidings refuses it', async () => {
    await start()
    const client = track(await connectRaw(proxy.port))
    await client.subscribeAsync('rel/#')
    const got = next<string>(client, 'message')
    proxy.inject(rawPublish('rel/#', 'spoof'), 'toClient')
    // Without the check: MQTT.js hands the application a "topic name" that is a filter.
    const topic = await got
    expect(topic).toBe('rel/#')
    // With it: the name is refused before dispatch, and the trie would not match it anyway.
    expect(incomingTopicProblem(topic)).toMatch(/wildcard/)
    expect(topicMatches('rel/#', topic)).toBe(false)
    expect(topicMatches('rel/+', topic)).toBe(false)
  })

  it('inject(garbage, "toServer"): Mosquitto closes the connection', async () => {
    await start()
    const client = track(await connectRaw(proxy.port))
    const closed = next(client, 'close')
    proxy.inject(new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]), 'toServer')
    await closed
  })

  it('close() resets every connection and stops listening', async () => {
    await start()
    const client = track(await connectRaw(proxy.port))
    const closed = next(client, 'close')
    await proxy.close()
    await closed
    expect(proxy.stats().active).toBe(0)
    await expect(connectRaw(proxy.port)).rejects.toThrow()
  })

  it('refuses a non-loopback target', async () => {
    await expect(startFaultProxy({ target: { host: '192.0.2.1', port: 1883 } })).rejects.toThrow(/loopback/)
  })
})
