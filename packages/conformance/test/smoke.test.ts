import { createClient, json, topic } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { expect, test } from 'vitest'
import { spawnMosquitto } from '../src/fixtures/index.js'

test('mosquitto fixture round trip', async () => {
  const m = await spawnMosquitto()
  try {
    const c = createClient({ broker: mosquitto({ host: m.host, port: m.port }), transport: tcp() })
    await c.connect()
    const t = topic('a/{x}', json<number>(), { qos: 1 })
    const got: number[] = []
    await c.subscribe(t, {}, (v) => { got.push(v) })
    await c.publish(t, { x: '1' }, 5)
    await new Promise((r) => setTimeout(r, 50))
    expect(got).toEqual([5])
    await c.close()
  } finally {
    await m.close()
  }
})
