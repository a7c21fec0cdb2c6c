import { aliyun, presignedAuth } from '@tidings/aliyun'
import {
  bytes,
  createClient,
  genericBroker,
  topic,
  type BrokerProfile,
  type TidingsClient,
  type TidingsError,
} from '@tidings/core'
import { EMQX_MAX_PAYLOAD_BYTES, emqx } from '@tidings/emqx'
import { MOSQUITTO_MAX_PAYLOAD_BYTES, mosquitto } from '@tidings/mosquitto'
import { mosquittoConfig } from '@tidings/mosquitto/server'
import { rabbitmq } from '@tidings/rabbitmq'
import { tcp } from '@tidings/transport-node'
import { afterAll, describe, expect, it } from 'vitest'
import { spawnMosquitto, startFaultProxy, type FaultProxy, type MosquittoFixture } from '../../src/fixtures/index.js'

const blob = topic('limits/{id}', bytes(), { qos: 1 })

// Each profile's documented default (the comment next to each number in its source says where it comes from).
const PROFILES: Array<{ name: string; profile: BrokerProfile; limit: number }> = [
  { name: 'mosquitto', profile: mosquitto({ host: '127.0.0.1' }), limit: 1_048_576 - 65_536 },
  { name: 'emqx', profile: emqx({ host: '127.0.0.1' }), limit: 1_048_576 - 65_536 },
  {
    name: 'aliyun',
    profile: aliyun({
      instanceId: 'mqtt-cn-0pp1ldu7k0r',
      groupId: 'GID_web',
      deviceId: 'tab1',
      credentials: presignedAuth({ fetchCredentials: () => ({ username: 'u', password: 'p' }) }),
    }),
    limit: 64 * 1024,
  },
  { name: 'rabbitmq 3.10', profile: rabbitmq({ host: '127.0.0.1', version: '3.10' }), limit: 128 * 1024 * 1024 },
  { name: 'rabbitmq 4.0', profile: rabbitmq({ host: '127.0.0.1', version: '4.0' }), limit: 16 * 1024 * 1024 },
  { name: 'generic', profile: genericBroker({ url: 'mqtt://127.0.0.1:1883' }), limit: 268_435_455 },
]

describe('default payload limits per profile', () => {
  it.each(PROFILES)(
    '$name: $limit bytes; one byte more is PAYLOAD_TOO_LARGE at once, nothing queued',
    async ({ profile, limit }) => {
      expect(profile.capabilities.maxPayloadBytes).toBe(limit)
      // Never connected: a publish it accepted would wait in the offline queue; this one is refused outright.
      const client = createClient({ broker: profile, transport: tcp(), reconnect: false })
      try {
        await expect(client.publish(blob, { id: 'a' }, new Uint8Array(limit + 1))).rejects.toMatchObject({
          code: 'PAYLOAD_TOO_LARGE',
        } satisfies Partial<TidingsError>)
      } finally {
        await client.close({ force: true })
      }
    },
  )

  it('the exported constants are the defaults', () => {
    expect(MOSQUITTO_MAX_PAYLOAD_BYTES).toBe(PROFILES[0]!.limit)
    expect(EMQX_MAX_PAYLOAD_BYTES).toBe(PROFILES[1]!.limit)
  })

  it('maxPayloadBytes overrides the default; a bad value is INVALID_OPTIONS', () => {
    expect(mosquitto({ host: 'h', maxPayloadBytes: 10_000_000 }).capabilities.maxPayloadBytes).toBe(10_000_000)
    expect(emqx({ host: 'h', maxPayloadBytes: 4096 }).capabilities.maxPayloadBytes).toBe(4096)
    for (const bad of [0, -1, 1.5, 268_435_456, Number.NaN])
      for (const make of [
        () => mosquitto({ host: 'h', maxPayloadBytes: bad }),
        () => emqx({ host: 'h', maxPayloadBytes: bad }),
      ])
        expect(make).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })
})

// The Mosquitto default against a real Mosquitto running mosquittoConfig()'s max_packet_size.
describe('the Mosquitto default fits the max_packet_size mosquittoConfig() writes (real Mosquitto)', () => {
  let broker: MosquittoFixture | undefined
  let proxy: FaultProxy | undefined
  const clients: TidingsClient[] = []
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close({ force: true })))
    await proxy?.close()
    await broker?.close()
  })

  it('a payload at the limit on a 1,000-byte topic arrives; one byte more is refused before a byte is sent', async () => {
    const packetLimit = /^max_packet_size (\d+)$/m.exec(mosquittoConfig({ listeners: [{ port: 1883 }] }))?.[1]
    expect(packetLimit).toBe('1048576')
    broker = await spawnMosquitto({ extraConfig: [`max_packet_size ${packetLimit}`] })
    proxy = await startFaultProxy({ target: { host: broker.host, port: broker.port } })
    const make = (port: number): TidingsClient => {
      const client = createClient({ broker: mosquitto({ host: '127.0.0.1', port }), transport: tcp() })
      client.on('error', () => {})
      clients.push(client)
      return client
    }
    const sub = make(broker.port)
    const pub = make(proxy.port)
    await sub.connect()
    await pub.connect()
    const id = 'x'.repeat(1000 - 'limits/'.length)
    const sizes: number[] = []
    await sub.subscribe(blob, { id }, (payload) => void sizes.push(payload.byteLength))

    await pub.publish(blob, { id }, new Uint8Array(MOSQUITTO_MAX_PAYLOAD_BYTES))
    await expect.poll(() => sizes, { timeout: 5000 }).toEqual([MOSQUITTO_MAX_PAYLOAD_BYTES])

    const before = proxy.stats().bytesToServer
    await expect(pub.publish(blob, { id }, new Uint8Array(MOSQUITTO_MAX_PAYLOAD_BYTES + 1))).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    })
    await new Promise((r) => setTimeout(r, 100))
    expect(proxy.stats().bytesToServer).toBe(before)
    expect(pub.state).toBe('online')
  })
})
