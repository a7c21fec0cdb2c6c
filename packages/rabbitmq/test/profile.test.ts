import { createClient, isTidingsError, text, topic, type TidingsError } from '@tidings/core'
import { describe, expect, it } from 'vitest'
import { RABBITMQ_PORTS, rabbitmq } from '../src/index.js'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (error) {
    return isTidingsError(error) ? error.code : `not a TidingsError: ${String(error)}`
  }
  return undefined
}

describe('rabbitmq profile', () => {
  it('declares capabilities by server version', () => {
    const old = rabbitmq({ host: 'mq' })
    expect(old.capabilities).toMatchObject({ mqtt5: false, qos2: false, sharedSubscriptions: false, retain: true })
    expect(old.capabilities.retainScope).toBe('node')
    expect(rabbitmq({ host: 'mq', version: '3.13' }).capabilities.mqtt5).toBe(true)
    expect(rabbitmq({ host: 'mq', version: '3.13', protocolVersion: 4 }).capabilities.mqtt5).toBe(false)
    expect(rabbitmq({ host: 'mq', version: '3.13' }).capabilities.sharedSubscriptions).toBe(false)
    expect(rabbitmq({ host: 'mq', version: '4.0.5' }).capabilities.sharedSubscriptions).toBe(true)
    expect(rabbitmq({ host: 'mq', version: '4.1' }).capabilities.maxPayloadBytes).toBe(16 * 1024 * 1024)
  })

  it('pins MQTT 3.1.1 below 3.13 and refuses MQTT 5 there', () => {
    expect(codeOf(() => rabbitmq({ host: 'mq', version: '3.12', protocolVersion: 5 }))).toBe('INVALID_OPTIONS')
    // The client derives 3.1.1 from the profile, and refuses an explicit 5.
    const broker = rabbitmq({ host: 'mq', version: '3.10' })
    expect(codeOf(() => createClient({ broker, transport: fakeTransport(), protocolVersion: 5 }))).toBe('UNSUPPORTED')
    expect(codeOf(() => rabbitmq({ host: 'mq', version: 'latest' }))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => rabbitmq({ host: 'mq', protocolVersion: 3 as 4 }))).toBe('INVALID_OPTIONS')
  })

  it('serves web-mqtt at /ws on 15675 and 15676, tcp on 1883 and 8883', () => {
    const broker = rabbitmq({ host: 'mq' })
    expect(broker.endpoint('ws')).toEqual({ host: 'mq', port: 15675, path: '/ws' })
    expect(broker.endpoint('mqtt')).toEqual({ host: 'mq', port: 1883 })
    const secure = rabbitmq({ host: 'mq', tls: true })
    expect(secure.endpoint('wss')).toEqual({ host: 'mq', port: RABBITMQ_PORTS.wss, path: '/ws' })
    expect(codeOf(() => secure.endpoint('ws'))).toBe('UNSUPPORTED')
    expect(rabbitmq({ host: 'mq', wsPath: 'mqtt' }).endpoint('ws').path).toBe('/mqtt')
  })

  it("refuses a '.' in a topic with INVALID_TOPIC and says why", () => {
    const broker = rabbitmq({ host: 'mq' })
    const error = (() => {
      try {
        broker.validateTopic?.('user/ann.lee/inbox', 'publish')
      } catch (e) {
        return e as TidingsError
      }
      return undefined
    })()
    expect(error?.code).toBe('INVALID_TOPIC')
    expect(error?.message).toMatch(/level separator/)
    expect(codeOf(() => broker.validateTopic?.('user/+/inbox', 'subscribe'))).toBeUndefined()
  })

  it('refuses QoS 2 publishes with UNSUPPORTED before sending anything', async () => {
    const client = createClient({ broker: rabbitmq({ host: '127.0.0.1' }), transport: fakeTransport() })
    const t = topic('orders/{id}', text(), { qos: 2 })
    const error = await client.publish(t, { id: '1' }, 'x').then(
      () => undefined,
      (e: unknown) => e as TidingsError,
    )
    expect(error?.code).toBe('UNSUPPORTED')
    expect(error?.message).toMatch(/QoS 2/)
    await client.close({ force: true })
  })

  it('lists every cluster node for the client to try in turn', () => {
    const broker = rabbitmq({
      nodes: [
        { host: '127.0.0.1', port: 1001 },
        { host: '127.0.0.2', ports: { mqtt: 1002 } },
      ],
      username: 'u',
      password: 'p',
    })
    expect(broker.endpoints?.('mqtt')).toEqual([
      { host: '127.0.0.1', port: 1001 },
      { host: '127.0.0.2', port: 1002 },
    ])
    expect(broker.endpoints?.('ws').map((e) => `${e.host}:${e.port}${e.path}`)).toEqual([
      '127.0.0.1:1001/ws',
      '127.0.0.2:15675/ws',
    ])
    expect(broker.shuffleEndpoints).toBe(false)
    expect(rabbitmq({ nodes: [{ host: 'a' }], shuffle: true }).shuffleEndpoints).toBe(true)
    expect(codeOf(() => rabbitmq({ nodes: [] }))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => rabbitmq({ host: 'a', nodes: [{ host: 'b' }] }))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => rabbitmq({ nodes: [{ host: 'a/b' }] }))).toBe('INVALID_OPTIONS')
  })
})

// A transport that never connects: the tests above stop before any byte is sent.
function fakeTransport() {
  return {
    name: 'fake',
    scheme: 'mqtt' as const,
    open: () => {
      throw new Error('not used')
    },
  }
}
