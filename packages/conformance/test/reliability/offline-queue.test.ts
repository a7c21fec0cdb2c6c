import { createClient, json, topic, type ClientOptions, type TidingsClient } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'

// The offline queue against a real Mosquitto: what it refused never reaches a subscriber.
describe('byte-bounded offline queue (real Mosquitto)', () => {
  let broker: MosquittoFixture
  const clients: TidingsClient[] = []
  const make = (options: Partial<ClientOptions> = {}): TidingsClient => {
    const client = createClient({
      broker: mosquitto({ host: '127.0.0.1', port: broker.port }),
      transport: tcp(),
      ...options,
    })
    clients.push(client)
    return client
  }
  const t = topic('queue/{id}', json<string>(), { qos: 1 })

  beforeAll(async () => {
    broker = await spawnMosquitto()
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
  })
  afterAll(async () => {
    await broker?.close()
  })

  it('holds publishes up to offlineQueueBytes; the one refused with OFFLINE_QUEUE_FULL never arrives', async () => {
    const sub = make()
    await sub.connect()
    const got: string[] = []
    await sub.subscribe(t, {}, (v, meta) => void got.push(`${meta.params.id}:${v.length}`))

    const pub = make({ offlineQueueBytes: 200 })
    const sent = [pub.publish(t, { id: 'a' }, 'x'.repeat(80)), pub.publish(t, { id: 'b' }, 'x'.repeat(80))]
    await expect(pub.publish(t, { id: 'c' }, 'x'.repeat(80))).rejects.toMatchObject({ code: 'OFFLINE_QUEUE_FULL' })
    const small = pub.publish(t, { id: 'd' }, 'x')
    await pub.connect()
    await Promise.all([...sent, small])
    await expect.poll(() => got.length, { timeout: 2000 }).toBe(3)
    await new Promise((r) => setTimeout(r, 100))
    expect(got).toEqual(['a:80', 'b:80', 'd:1'])
  })
})
