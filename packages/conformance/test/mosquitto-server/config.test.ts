import { join } from 'node:path'
import { createClient, isTidingsError, text, topic } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import {
  connectMqtt,
  createDynsec,
  mosquittoCredentialIssuer,
  mosquittoConfig,
  mosquittoServerPublisher,
} from '@tidings/mosquitto/server'
import { tls } from '@tidings/transport-node'
import { websocket } from '@tidings/transport-ws'
import { WebSocket } from 'ws'
import { describe, expect, test } from 'vitest'
import { freePort } from '../../src/fixtures/index.js'
import { ADMIN, eventually } from './helpers.js'
import { selfSignedCert, startConfigured, tempDir } from './spawn-config.js'

describe('mosquittoConfig', () => {
  test('writes a config Mosquitto runs: dynsec on tcp, websockets and tls listeners', async () => {
    const dir = tempDir(ADMIN)
    const { certfile, keyfile, ca } = selfSignedCert(dir)
    const [tcpPort, wsPort, tlsPort] = [await freePort(), await freePort(), await freePort()]
    const config = mosquittoConfig({
      // Started as root in CI, Mosquitto would otherwise drop to `mosquitto` and lose the temp directory.
      user: 'root',
      dynsec: { configFile: join(dir, 'dynsec.json') },
      listeners: [
        { port: tcpPort },
        { port: wsPort, protocol: 'websockets', websocketsHeadersSize: 4096 },
        { port: tlsPort, tls: { certfile, keyfile }, maxConnections: 100 },
      ],
    })
    expect(config).toContain('set_tcp_nodelay true')
    expect(config).toContain(`listener ${wsPort} 127.0.0.1\nprotocol websockets`)
    const broker = await startConfigured(dir, config, [tcpPort, wsPort, tlsPort])
    try {
      const dynsec = await createDynsec({
        url: `mqtt://127.0.0.1:${tcpPort}`,
        username: ADMIN.admin,
        password: ADMIN.password,
      })
      const issuer = mosquittoCredentialIssuer(dynsec, { sweepIntervalMs: false })
      const creds = await issuer.issue({ userId: 'u', subscribe: ['cfg/u'], publish: ['cfg/u'], ttlSeconds: 60 })

      // An issued credential over TLS, another over WebSocket, and a backend over tcp.
      const overTls = createClient({
        broker: mosquitto({
          host: '127.0.0.1',
          port: tlsPort,
          tls: true,
          clientId: creds.clientId,
          username: creds.username,
          password: creds.password,
        }),
        transport: tls({ ca }),
        reconnect: false,
      })
      await overTls.connect()
      const got: string[] = []
      await overTls.subscribe(topic('cfg/u', text()), {}, (v) => {
        got.push(`tls:${v}`)
      })
      const wsCreds = await issuer.issue({ userId: 'u', subscribe: ['cfg/u'], publish: [], ttlSeconds: 60 })
      const overWs = createClient({
        broker: mosquitto({
          host: '127.0.0.1',
          port: wsPort,
          clientId: wsCreds.clientId,
          username: wsCreds.username,
          password: wsCreds.password,
        }),
        transport: websocket({ WebSocket }),
        reconnect: false,
      })
      await overWs.connect()
      await overWs.subscribe(topic('cfg/u', text()), {}, (v) => {
        got.push(`ws:${v}`)
      })

      const backendUser = 'cfg-backend'
      await dynsec.createRole({
        rolename: backendUser,
        acls: [{ acltype: 'publishClientSend', topic: 'cfg/#', allow: true }],
      })
      await dynsec.createClient({ username: backendUser, password: 'pw', roles: [{ rolename: backendUser }] })
      const backend = await connectMqtt({ url: `mqtt://127.0.0.1:${tcpPort}`, username: backendUser, password: 'pw' })
      expect(await mosquittoServerPublisher(backend).publish('cfg/u', 'hi')).toEqual({ delivered: true })
      await eventually(() => got.length === 2)
      expect(got.sort()).toEqual(['tls:hi', 'ws:hi'])

      const anonymous = await connectMqtt({ url: `mqtt://127.0.0.1:${tcpPort}` }).catch((e: unknown) => e)
      expect(isTidingsError(anonymous) && anonymous.code).toBe('NOT_AUTHORIZED')
      const untrusted = await connectMqtt({
        url: `mqtts://127.0.0.1:${tlsPort}`,
        username: backendUser,
        password: 'pw',
      }).catch((e: unknown) => e)
      expect(isTidingsError(untrusted) && untrusted.code).toBe('TLS_UNTRUSTED')
      const trusted = await connectMqtt({
        url: `mqtts://127.0.0.1:${tlsPort}`,
        username: backendUser,
        password: 'pw',
        mqtt: { ca },
      })
      await trusted.endAsync()

      await backend.endAsync()
      await overTls.close()
      await overWs.close()
      issuer.close()
      await dynsec.close()
    } catch (error) {
      console.error(`mosquitto log:\n${broker.log()}`)
      throw error
    } finally {
      await broker.close()
    }
  })

  test('refuses options that would write a broken or unsafe config', () => {
    const bad = [
      { listeners: [] },
      { listeners: [{ port: 0 }] },
      { listeners: [{ port: 1883 }, { port: 1883 }] },
      { listeners: [{ port: 1883, tls: { certfile: 'c.pem', keyfile: '' } }] },
      { listeners: [{ port: 1883, tls: { certfile: 'c.pem', keyfile: 'k.pem', requireCertificate: true } }] },
      { listeners: [{ port: 1883 }], dynsec: { configFile: 'd.json' }, allowAnonymous: true },
      { listeners: [{ port: 1883, bind: '127.0.0.1\nallow_anonymous true' }] },
      { listeners: [{ port: 8080, protocol: 'websockets' as const }] },
    ]
    for (const options of bad) {
      let error: unknown
      try {
        mosquittoConfig(options)
      } catch (e) {
        error = e
      }
      expect(isTidingsError(error) && error.code, JSON.stringify(options)).toBe('INVALID_OPTIONS')
    }
  })

  test('defaults: loopback listeners, no anonymous access, Nagle off', () => {
    const config = mosquittoConfig({
      listeners: [{ port: 1883 }, { port: 8883, bind: '0.0.0.0', tls: { certfile: 'c.pem', keyfile: 'k.pem' } }],
    })
    expect(config.split('\n')).toEqual(
      expect.arrayContaining([
        'listener 1883 127.0.0.1',
        'listener 8883 0.0.0.0',
        'allow_anonymous false',
        'set_tcp_nodelay true',
        'per_listener_settings false',
        'tls_version tlsv1.2',
      ]),
    )
    expect(mosquittoConfig({ listeners: [{ port: 1 }], tcpNoDelay: false })).not.toContain('set_tcp_nodelay')
  })
})
