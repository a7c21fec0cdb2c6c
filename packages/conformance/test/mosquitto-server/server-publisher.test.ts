import { bytes, isTidingsError, text, topic } from '@tidings/core'
import { connectMqtt, mosquittoCredentialIssuer, mosquittoServerPublisher } from '@tidings/mosquitto/server'
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { connectBackend, eventually, startDynsecBroker, userClient, type DynsecBroker } from './helpers.js'

let env: DynsecBroker
let backend: MqttClient

beforeAll(async () => {
  env = await startDynsecBroker()
  backend = await connectBackend(env, ['push/#'])
})
afterAll(async () => {
  await backend?.endAsync()
  await env?.close()
})

describe('mosquittoServerPublisher on a real Mosquitto', () => {
  test('reports delivered: false when no one is subscribed, true when someone is', async () => {
    const publisher = mosquittoServerPublisher(backend)
    expect(await publisher.publish('push/nobody', 'x')).toEqual({ delivered: false })

    const issuer = mosquittoCredentialIssuer(env.dynsec, { sweepIntervalMs: false })
    const creds = await issuer.issue({ userId: 'p1', subscribe: ['push/p1'], publish: [], ttlSeconds: 60 })
    const user = userClient(env.broker, creds)
    try {
      await user.connect()
      const got: string[] = []
      await user.subscribe(topic('push/p1', text()), {}, (v) => {
        got.push(v)
      })
      expect(await publisher.publish('push/p1', 'hello')).toEqual({ delivered: true })
      await eventually(() => got.length === 1)
      expect(got).toEqual(['hello'])
      // QoS 0 cannot know.
      expect(await publisher.publish('push/p1', 'fire and forget', { qos: 0 })).toEqual({})
    } finally {
      await user.close({ force: true })
    }
  })

  test('sends bytes and retained messages', async () => {
    const publisher = mosquittoServerPublisher(backend)
    await publisher.publish('push/retained', new Uint8Array([1, 2, 3]), { retain: true, qos: 2 })
    const issuer = mosquittoCredentialIssuer(env.dynsec, { sweepIntervalMs: false })
    const creds = await issuer.issue({ userId: 'p2', subscribe: ['push/retained'], publish: [], ttlSeconds: 60 })
    const user = userClient(env.broker, creds)
    try {
      await user.connect()
      const payload = await user.waitFor(topic('push/retained', bytes()), {}, { timeoutMs: 5000 })
      expect([...payload]).toEqual([1, 2, 3])
    } finally {
      await user.close({ force: true })
    }
  })

  test('a publish outside the account ACL rejects with PUBLISH_DENIED; an invalid topic with INVALID_TOPIC', async () => {
    const publisher = mosquittoServerPublisher(backend)
    const denied = await publisher.publish('elsewhere/x', 'x').catch((e: unknown) => e)
    expect(isTidingsError(denied) && denied.code).toBe('PUBLISH_DENIED')
    expect(isTidingsError(denied) && denied.reasonCode).toBe(0x87)
    const invalid = await publisher.publish('push/+', 'x').catch((e: unknown) => e)
    expect(isTidingsError(invalid) && invalid.code).toBe('INVALID_TOPIC')
  })

  test('the dynsec admin account itself may not publish to user topics', async () => {
    const admin = await connectMqtt({ url: env.url, username: 'admin', password: 'admin-pw' })
    try {
      const denied = await mosquittoServerPublisher(admin)
        .publish('push/x', 'x')
        .catch((e: unknown) => e)
      expect(isTidingsError(denied) && denied.code).toBe('PUBLISH_DENIED')
    } finally {
      await admin.endAsync()
    }
  })
})
