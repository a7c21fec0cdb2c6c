import { createClient, json, topic, type MessageMeta, type TidingsClient, type TidingsError } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'

// Clearing a retained message through a typed topic, against a real Mosquitto.
describe('retained messages, typed (real Mosquitto)', () => {
  let broker: MosquittoFixture
  const clients: TidingsClient[] = []
  const make = (): TidingsClient => {
    const client = createClient({ broker: mosquitto({ host: '127.0.0.1', port: broker.port }), transport: tcp() })
    clients.push(client)
    return client
  }
  const status = topic('device/{id}/status', json<{ online: boolean }>(), { qos: 1, retain: true })

  beforeAll(async () => {
    broker = await spawnMosquitto()
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
  })
  afterAll(async () => {
    await broker?.close()
  })

  it('clearRetained() removes it; a live subscriber sees onCleared, never INVALID_PAYLOAD', async () => {
    const pub = make()
    await pub.connect()
    await pub.publish(status, { id: 'd1' }, { online: true })

    const sub = make()
    const errors: TidingsError[] = []
    sub.on('error', (e) => errors.push(e))
    await sub.connect()
    const values: boolean[] = []
    const cleared: MessageMeta[] = []
    await sub.subscribe(status, { id: 'd1' }, (v) => void values.push(v.online), {
      onCleared: (meta) => void cleared.push(meta),
    })
    await expect.poll(() => values).toEqual([true])

    await pub.clearRetained(status, { id: 'd1' })
    await expect.poll(() => cleared.length, { timeout: 2000 }).toBe(1)
    expect(cleared[0]).toMatchObject({ topic: 'device/d1/status', cleared: true })
    expect(values).toEqual([true])
    expect(errors).toEqual([])

    // Gone from the broker: a new subscriber gets no retained message.
    const late = make()
    await late.connect()
    await expect(late.waitFor(status, { id: 'd1' }, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' })
  })

  it('without onCleared, a cleared message is skipped, not reported', async () => {
    const sub = make()
    const errors: TidingsError[] = []
    sub.on('error', (e) => errors.push(e))
    await sub.connect()
    const values: unknown[] = []
    await sub.subscribe(status, { id: 'd2' }, (v) => void values.push(v))
    const pub = make()
    await pub.connect()
    await pub.clearRetained(status, { id: 'd2' })
    await pub.publish(status, { id: 'd2' }, { online: false })
    await expect.poll(() => values).toEqual([{ online: false }])
    expect(errors).toEqual([])
  })
})
