import type { Packet } from 'mqtt-packet'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { writePublish } from '../src/client/publish-wire.js'
import { WriteBatch } from '../src/client/write-batch.js'
import { text, topic } from '../src/index.js'
import type { TransportStream } from '../src/index.js'
import { settle } from './support/memory-broker.js'
import { connected } from './support/reliability.js'

// The write path: QoS 0 backpressure and one transport write per tick, over an in-memory socket.
const fire = topic('write/{id}', text(), { qos: 0 })

const online = () => connected()

describe('write path', () => {
  it('resolves a QoS 0 publish only once a full transport buffer drained', async () => {
    const { client, socket } = await online()
    const release = socket.hold()
    let settled = false
    // Larger than the stream's 16 KiB high-water mark: the write fills the buffer.
    const sent = client.publish(fire, { id: 'big' }, 'x'.repeat(64 * 1024)).then(() => {
      settled = true
    })
    for (let i = 0; i < 5; i++) await settle()
    expect((await socket.next('publish')).topic).toBe('write/big')
    expect(settled).toBe(false)
    release()
    await sent
    expect(settled).toBe(true)
    await client.close({ force: true })
  })

  it('QoS 0 publishes waiting for the same drain share one promise, settled by it', async () => {
    const { client, socket } = await online()
    const release = socket.hold()
    const first = client.publish(fire, { id: 'big' }, 'x'.repeat(64 * 1024))
    const waiting = [1, 2, 3].map((i) => client.publish(fire, { id: String(i) }, 'y'))
    expect(new Set([first, ...waiting]).size).toBe(1)
    let settled = false
    void first.then(() => {
      settled = true
    })
    for (let i = 0; i < 5; i++) await settle()
    expect(settled).toBe(false)
    release()
    await Promise.all(waiting)
    expect(settled).toBe(true)
    expect(socket.received.filter((p) => p.cmd === 'publish').map((p) => (p as { topic: string }).topic)).toEqual([
      'write/big',
      'write/1',
      'write/2',
      'write/3',
    ])
    await client.close({ force: true })
  })

  it('resolves a small QoS 0 publish without waiting for the transport', async () => {
    const { client, socket } = await online()
    const release = socket.hold()
    // Under the high-water mark the buffer has room, so the publish resolves though nothing was acknowledged.
    await client.publish(fire, { id: 'small' }, 'x')
    release()
    await client.close({ force: true })
  })

  it('resolves QoS 0 publishes waiting for room when the connection drops', async () => {
    const { client, socket } = await online()
    socket.hold()
    const sent = [client.publish(fire, { id: 'a' }, 'x'.repeat(32 * 1024)), client.publish(fire, { id: 'b' }, 'y')]
    await settle()
    socket.drop()
    await Promise.all(sent)
    await client.close({ force: true })
  })

  it('answers QoS 1 messages that arrived together in one transport write', async () => {
    const { client, socket } = await online()
    const before = socket.writes
    const count = 20
    const packets: Packet[] = Array.from({ length: count }, (_, i) => ({
      cmd: 'publish',
      topic: `write/${i}`,
      payload: Buffer.from('m'),
      qos: 1,
      messageId: i + 1,
      retain: false,
      dup: false,
    }))
    // MQTT.js handles each packet in its own tick; without batching each PUBACK is its own write.
    // Delivered from an I/O-like callback, as a socket's data event is.
    setImmediate(() => socket.sendTogether(packets))
    for (let i = 0; i < count; i++) await socket.next('puback')
    expect(socket.writes - before).toBe(1)
    await client.close({ force: true })
  })
})

describe('WriteBatch', () => {
  function countingStream(highWaterMark = 16 * 1024) {
    const chunks: number[] = []
    const stream = new Writable({
      highWaterMark,
      write(_chunk: Buffer, _encoding, done) {
        chunks.push(1)
        done()
      },
      writev(batch, done) {
        chunks.push(batch.length)
        done()
      },
    })
    return { stream, chunks, batch: new WriteBatch(stream as unknown as TransportStream) }
  }

  /** Writes one byte in each of `ticks` chained `process.nextTick`s, as MQTT.js's packet loop does. */
  function writeInTicks(stream: Writable, batch: WriteBatch | undefined, ticks: number): Promise<void> {
    return new Promise((resolve) => {
      const step = (i: number): void => {
        if (i === ticks) return resolve()
        batch?.cork()
        stream.write(Buffer.from([i]))
        process.nextTick(step, i + 1)
      }
      process.nextTick(step, 0)
    })
  }

  it('lets writes made in successive ticks leave as one chunk', async () => {
    const { stream, chunks, batch } = countingStream()
    await writeInTicks(stream, batch, 5)
    await settle()
    expect(chunks).toEqual([5])
  })

  it('writes one chunk per tick without it', async () => {
    const { stream, chunks } = countingStream()
    await writeInTicks(stream, undefined, 5)
    await settle()
    expect(chunks).toEqual([1, 1, 1, 1, 1])
  })

  /** A stream recording the bytes of each chunk it is handed. */
  function recordingStream(highWaterMark = 16 * 1024) {
    const chunks: number[][] = []
    const stream = new Writable({
      highWaterMark,
      write(chunk: Buffer, _encoding, done) {
        chunks.push([...chunk])
        done()
      },
      writev(batch, done) {
        for (const { chunk } of batch) chunks.push([...(chunk as Buffer)])
        done()
      },
    })
    return { stream, chunks, batch: new WriteBatch(stream as unknown as TransportStream) }
  }

  it('joins the packets of a large tick past the first 32 into one chunk, keeping their order', async () => {
    const { chunks, batch } = recordingStream(1024 * 1024)
    for (let i = 0; i < 100; i++) expect(batch.write(Uint8Array.of(i))).toBe(true)
    await settle()
    // 32 packets as they are, then one chunk with the other 68.
    expect(chunks).toHaveLength(33)
    expect(chunks.flat()).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(chunks.at(-1)).toHaveLength(68)
  })

  it('hands a tick of more than 64 KiB on in joined chunks of at most 64 KiB, in order', async () => {
    const { chunks, batch } = recordingStream(8 * 1024 * 1024)
    const packets = Array.from({ length: 232 }, (_, i) => new Uint8Array(1000 + (i % 13)).fill(i))
    for (const packet of packets) batch.write(packet)
    await settle()
    const joined = chunks.slice(32)
    // About 200 KB past the first 32 packets: four chunks, none over the limit, every byte in order.
    expect(joined.length).toBe(4)
    for (const chunk of joined) expect(chunk.length).toBeLessThanOrEqual(64 * 1024)
    expect(chunks.flat()).toEqual(packets.flatMap((p) => [...p]))
  })

  it('builds publishes past the first 32 of a tick in the joined buffer, byte for byte as on their own', async () => {
    const { chunks, batch } = recordingStream(1024 * 1024)
    const expected: number[] = []
    const alone = {
      write(chunk: Uint8Array) {
        expected.push(...chunk)
        return true
      },
    }
    let reserved = 0
    const reserve = batch.reserve.bind(batch)
    batch.reserve = (size) => {
      const at = reserve(size)
      if (at >= 0) reserved++
      return at
    }
    for (let i = 0; i < 120; i++) {
      const item = {
        topic: `joined/${'t'.repeat(i % 7)}/${i}`,
        // Text and bytes, empty to 300 bytes (a two-byte Remaining Length), QoS 0 and 1, 3.1.1 and 5.
        payload: i % 2 ? 'p'.repeat(i % 5) : new Uint8Array((i * 37) % 300).fill(i),
        qos: (i % 3 === 0 ? 1 : 0) as 0 | 1,
        retain: i % 4 === 0,
        properties: undefined,
      }
      const version = i % 5 === 0 ? 4 : 5
      writePublish(alone, item, i + 1, i % 6 === 0, version)
      writePublish(batch, item, i + 1, i % 6 === 0, version)
    }
    await settle()
    expect(reserved).toBe(120 - 32)
    expect(chunks).toHaveLength(33)
    expect(chunks.flat()).toEqual(expected)
  })

  it('hands the joined packets on before a write that must follow them', async () => {
    const { stream, chunks, batch } = recordingStream(1024 * 1024)
    for (let i = 0; i < 40; i++) batch.write(Uint8Array.of(i))
    batch.flushJoined()
    stream.write(Uint8Array.of(200))
    await settle()
    expect(chunks.flat()).toEqual([...Array.from({ length: 40 }, (_, i) => i), 200])
  })

  it('lets waiters go when joined bytes, thought too many, fit once the stream wrote what it held', async () => {
    let finish: (() => void) | undefined
    const stream = new Writable({
      highWaterMark: 100,
      write(_chunk, _encoding, done) {
        if (finish) return done()
        finish = done
      },
      writev(_chunks, done) {
        done()
      },
    })
    const batch = new WriteBatch(stream as unknown as TransportStream)
    // 60 bytes the stream is still writing, 32 packets of this tick behind them, then 10 joined: 102 bytes,
    // over the mark, so the last publish waits for room.
    stream.write(new Uint8Array(60))
    for (let i = 0; i < 32; i++) batch.write(Uint8Array.of(i))
    let last = true
    for (let i = 0; i < 10; i++) last = batch.write(Uint8Array.of(i))
    expect(last).toBe(false)
    let ran = false
    batch.afterDrain(() => {
      ran = true
    })
    // The stream finishes before the tick ends; its buffer never passed the mark, so no drain comes.
    finish!()
    await settle()
    expect(stream.writableNeedDrain).toBe(false)
    expect(ran).toBe(true)
  })

  it('runs every waiting callback on one drain, with one listener', async () => {
    let finish: (() => void) | undefined
    const stream = new Writable({
      highWaterMark: 4,
      write(_chunk, _encoding, done) {
        finish = done
      },
    })
    const batch = new WriteBatch(stream as unknown as TransportStream)
    stream.write(Buffer.alloc(8))
    expect(batch.full).toBe(true)
    let ran = 0
    for (let i = 0; i < 100; i++) batch.afterDrain(() => ran++)
    expect(stream.listenerCount('drain')).toBe(1)
    expect(ran).toBe(0)
    finish!()
    await settle()
    expect(ran).toBe(100)
    expect(batch.full).toBe(false)
  })
})
