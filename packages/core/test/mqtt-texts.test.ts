import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MQTT_TEXTS, isConnectionClosed } from '../src/client/mqtt-errors.js'
import { fromMqttError } from '../src/index.js'

// MQTT.js reports some failures only by message text. mqtt-errors.ts is the one place that reads them;
// this pins those texts to the MQTT.js version core depends on, so an upgrade that rewords one fails here.
const require = createRequire(join(import.meta.dirname, '..', 'package.json'))
const mqttRoot = dirname(require.resolve('mqtt/package.json'))
const source = readFileSync(join(mqttRoot, 'build', 'lib', 'client.js'), 'utf8')

describe('MQTT.js error texts', () => {
  it('are those of MQTT.js 5.16.0', () => {
    expect(JSON.parse(readFileSync(join(mqttRoot, 'package.json'), 'utf8')).version).toBe('5.16.0')
    for (const text of [
      MQTT_TEXTS.connackTimeout,
      MQTT_TEXTS.keepaliveTimeout,
      MQTT_TEXTS.connectionClosed,
      MQTT_TEXTS.disconnecting,
    ]) {
      expect(source, text).toContain(`new Error('${text}')`)
    }
    const connack = readFileSync(join(mqttRoot, 'build', 'lib', 'handlers', 'connack.js'), 'utf8')
    expect(connack).toContain(`\`${MQTT_TEXTS.refusedPrefix}: `)
    expect(connack).toContain(`'${MQTT_TEXTS.protocolErrorPrefix}: `)
  })

  it('map to stable codes', () => {
    const ctx = { adapter: 'x' }
    expect(fromMqttError(new Error(MQTT_TEXTS.connackTimeout), ctx).code).toBe('CONNECT_TIMEOUT')
    expect(fromMqttError(new Error(MQTT_TEXTS.keepaliveTimeout), ctx).code).toBe('CONNECTION_LOST')
    expect(
      fromMqttError(Object.assign(new Error(`${MQTT_TEXTS.refusedPrefix}: Banned`), { code: 0x8a }), ctx).code,
    ).toBe('BANNED')
    expect(
      fromMqttError(new Error(MQTT_TEXTS.connectionClosed), { ...ctx, operation: 'publish', topic: 'a' }).code,
    ).toBe('CONNECTION_LOST')
    expect(isConnectionClosed(new Error(MQTT_TEXTS.disconnecting))).toBe(true)
    expect(isConnectionClosed(new Error('something else'))).toBe(false)
  })
})
