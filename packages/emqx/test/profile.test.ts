import { isTidingsError } from '@tidings/core'
import { describe, expect, test } from 'vitest'
import { EMQX_PORTS, emqx, share } from '../src/index.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isTidingsError(error) ? error.code : `not a TidingsError: ${String(error)}`
  }
  return undefined
}

describe('emqx profile', () => {
  test('EMQX default listeners, WebSocket at /mqtt', () => {
    const p = emqx({ host: 'emqx.local' })
    const secure = emqx({ host: 'emqx.local', tls: true })
    expect(p.endpoint('mqtt')).toEqual({ host: 'emqx.local', port: 1883 })
    expect(secure.endpoint('mqtts')).toEqual({ host: 'emqx.local', port: 8883 })
    expect(p.endpoint('ws')).toEqual({ host: 'emqx.local', port: 8083, path: '/mqtt' })
    expect(secure.endpoint('wss')).toEqual({ host: 'emqx.local', port: 8084, path: '/mqtt' })
    expect(EMQX_PORTS).toEqual({ mqtt: 1883, mqtts: 8883, ws: 8083, wss: 8084 })
  })

  test('a cluster: every node per scheme, its own ports over the defaults; host or nodes, not both', () => {
    const p = emqx({ nodes: [{ host: 'emqx-1' }, { host: 'emqx-2', ports: { ws: 9083 } }], shuffle: true })
    expect(p.endpoints?.('ws')).toEqual([
      { host: 'emqx-1', port: 8083, path: '/mqtt' },
      { host: 'emqx-2', port: 9083, path: '/mqtt' },
    ])
    expect(p.endpoint('mqtt')).toEqual({ host: 'emqx-1', port: 1883 })
    expect(p.shuffleEndpoints).toBe(true)
    for (const bad of [{}, { nodes: [] }, { host: 'a', nodes: [{ host: 'b' }] }, { nodes: [{ host: '' }] }]) {
      expect(() => emqx(bad)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    }
  })

  test('behind a proxy: wss on 443; explicit ports still win', () => {
    expect(emqx({ host: 'm.example.com', tls: true, behindProxy: true }).endpoint('wss')).toEqual({
      host: 'm.example.com',
      port: 443,
      path: '/mqtt',
    })
    expect(emqx({ host: 'm.example.com', behindProxy: true }).endpoint('ws').port).toBe(80)
    expect(emqx({ host: 'm.example.com', tls: true, behindProxy: true }).endpoint('mqtts').port).toBe(8883)
    expect(emqx({ host: 'h', tls: true, ports: { wss: 9443 }, behindProxy: true }).endpoint('wss').port).toBe(9443)
  })

  test('the profile alone decides plain or TLS: tls: true serves only mqtts/wss, without it only mqtt/ws', () => {
    expect(codeOf(() => emqx({ host: 'h', tls: true }).endpoint('ws'))).toBe('UNSUPPORTED')
    expect(codeOf(() => emqx({ host: 'h', tls: true }).endpoint('mqtt'))).toBe('UNSUPPORTED')
    expect(codeOf(() => emqx({ host: 'h' }).endpoint('wss'))).toBe('UNSUPPORTED')
    expect(codeOf(() => emqx({ host: 'h', ports: { wss: 8084 } }).endpoint('wss'))).toBe('UNSUPPORTED')
  })

  test('capabilities: EMQX 5 with MQTT 5 by default, 3.1.1 on request, never 3.1', () => {
    const p = emqx({ host: 'h' })
    expect(p.name).toBe('emqx')
    expect(p.capabilities).toMatchObject({
      mqtt5: true,
      qos2: true,
      retain: true,
      will: true,
      sharedSubscriptions: true,
      maxPayloadBytes: 983_040,
    })
    expect(emqx({ host: 'h', protocolVersion: 4 }).capabilities.mqtt5).toBe(false)
    expect(codeOf(() => emqx({ host: 'h', protocolVersion: 3 as never }))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => emqx({ host: 'a/b' }))).toBe('INVALID_OPTIONS')
  })

  test('static credentials, and a provider asked before every connect', async () => {
    const p = emqx({ host: 'h', clientId: 'c1', username: 'u', password: 'pw' })
    expect(p.refreshesCredentials).toBe(false)
    expect(await p.connectOptions({ attempt: 0 })).toEqual({ clientId: 'c1', username: 'u', password: 'pw' })
    let n = 0
    const q = emqx({ host: 'h', clientId: 'c2', credentials: () => ({ password: `t${++n}` }) })
    expect(q.refreshesCredentials).toBe(true)
    expect(await q.connectOptions({ attempt: 0 })).toEqual({ clientId: 'c2', password: 't1' })
    expect(await q.connectOptions({ attempt: 1 })).toEqual({ clientId: 'c2', password: 't2' })
    const refused = emqx({ host: 'h', credentials: () => null as never })
    await expect(refused.connectOptions({ attempt: 0 })).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' })
  })

  test('validateTopic: no $queue/, no publishing to $share/, at most 128 levels', () => {
    const p = emqx({ host: 'h' })
    expect(codeOf(() => p.validateTopic!('$queue/jobs', 'subscribe'))).toBe('INVALID_TOPIC')
    expect(codeOf(() => p.validateTopic!('$share/g/jobs', 'publish'))).toBe('INVALID_TOPIC')
    expect(codeOf(() => p.validateTopic!(Array(129).fill('a').join('/'), 'publish'))).toBe('INVALID_TOPIC')
    expect(codeOf(() => p.validateTopic!(Array(128).fill('a').join('/'), 'publish'))).toBeUndefined()
    expect(codeOf(() => p.validateTopic!('user/+/notifications', 'subscribe'))).toBeUndefined()
  })
})

describe('share()', () => {
  test('only ever emits $share/', () => {
    expect(share('workers', 'jobs/+')).toBe('$share/workers/jobs/+')
    expect(share('g', '#')).toBe('$share/g/#')
  })

  test('refuses bad groups, bad filters and already-shared filters', () => {
    for (const group of ['', 'a/b', '+', '#']) expect(codeOf(() => share(group, 'a'))).toBe('INVALID_TOPIC')
    expect(codeOf(() => share('g', 'a/#/b'))).toBe('INVALID_TOPIC')
    expect(codeOf(() => share('g', '$share/h/a'))).toBe('INVALID_TOPIC')
    expect(codeOf(() => share('g', '$queue/a'))).toBe('INVALID_TOPIC')
  })
})
