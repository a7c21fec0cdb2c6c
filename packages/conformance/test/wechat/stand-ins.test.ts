import { Buffer } from 'node:buffer'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { buildBundle } from '../../src/wechat/index.js'

// The stand-ins core's browser build and the mini-program bundle use in place of dependency modules
// (packages/core/build/shims); the round trips in bundle.test.ts prove the bundles still work with them.
const shims = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'core', 'build', 'shims')
const copyOf = async (): Promise<<T>(value: T) => T> => (await import(join(shims, 'rfdc.js'))).default
const stringDecoder = async (): Promise<new (encoding: string) => unknown> =>
  (await import(join(shims, 'string-decoder.js'))).StringDecoder

describe('rfdc stand-in (the copy MQTT.js stores of an outgoing QoS 1/2 PUBLISH)', () => {
  it('copies bytes, nested objects and arrays, so later changes to the original do not reach the copy', async () => {
    const copy = await copyOf()
    const packet = {
      cmd: 'publish',
      topic: 'a/b',
      qos: 1,
      retain: false,
      messageId: 7,
      payload: Buffer.from([1, 2, 3]),
      properties: {
        correlationData: new Uint8Array([9, 9]),
        userProperties: { k: ['x', 'y'] },
        subscriptionIdentifier: [1, 2],
      },
    }
    const stored = copy(packet)
    expect(stored).toEqual(packet)
    packet.payload[0] = 0
    packet.properties.correlationData[0] = 0
    packet.properties.userProperties.k.push('z')
    packet.properties.subscriptionIdentifier[0] = 5
    expect([...stored.payload]).toEqual([1, 2, 3])
    expect(Buffer.isBuffer(stored.payload)).toBe(true)
    expect([...stored.properties.correlationData]).toEqual([9, 9])
    expect(stored.properties.userProperties.k).toEqual(['x', 'y'])
    expect(stored.properties.subscriptionIdentifier).toEqual([1, 2])
  })

  it('keeps primitives, null and undefined, and shares functions', async () => {
    const copy = await copyOf()
    const fn = () => {}
    expect(copy({ a: null, b: undefined, c: 'x', d: 0, e: fn })).toEqual({ a: null, b: undefined, c: 'x', d: 0, e: fn })
    expect(copy('s')).toBe('s')
  })
})

describe('stand-ins for what tidings never calls', () => {
  it('StringDecoder (a stream with an encoding) fails loudly', async () => {
    const StringDecoder = await stringDecoder()
    expect(() => new StringDecoder('utf8')).toThrow(/not in this bundle/)
  })

  it('the mini-program bundle has none of MQTT.js and mqtt-packet debug messages left', async () => {
    const code = readFileSync(await buildBundle(), 'utf8')
    // Messages of client.js and parser.js; the code around them is still there.
    expect(code).not.toContain('MqttClient :: options')
    expect(code).not.toContain('_parseHeader: packet')
    expect(code).toContain('_parseHeader')
  }, 60_000)
})
