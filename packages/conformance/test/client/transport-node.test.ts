import { createClient, json, topic, type TidingsError, type TransportOpenOptions } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp, tls } from '@tidings/transport-node'
import { once } from 'node:events'
import { rmSync } from 'node:fs'
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  makeCertificates,
  spawnMosquitto,
  type MosquittoFixture,
  type TestCertificates,
} from '../../src/fixtures/index.js'

const PLAIN: TransportOpenOptions = { scheme: 'mqtt', protocols: [], connectTimeoutMs: 2000 }

describe('transport-node against a real Mosquitto with a self-signed certificate', () => {
  let broker: MosquittoFixture
  let certs: TestCertificates
  beforeAll(async () => {
    certs = makeCertificates()
    broker = await spawnMosquitto({ tls: { certPath: certs.certPath, keyPath: certs.keyPath } })
  })
  afterAll(async () => {
    await broker?.close()
    if (certs) rmSync(certs.dir, { recursive: true, force: true })
  })

  it('connects over TLS when given the CA, and messages flow', async () => {
    const client = createClient({
      broker: mosquitto({ host: 'localhost', port: broker.tlsPort, tls: true }),
      transport: tls({ ca: certs.ca }),
    })
    await client.connect()
    const t = topic('tls/{id}', json<number>(), { qos: 1 })
    const got: number[] = []
    await client.subscribe(t, {}, (v) => {
      got.push(v)
    })
    await client.publish(t, { id: 'a' }, 42)
    await expect.poll(() => got).toEqual([42])
    await client.close()
  })

  it('fails with TLS_UNTRUSTED, once, without the CA', async () => {
    let opens = 0
    const transport = tls()
    const client = createClient({
      broker: mosquitto({ host: 'localhost', port: broker.tlsPort, tls: true }),
      transport: {
        ...transport,
        open: (e, o) => {
          opens++
          return transport.open(e, o)
        },
      },
    })
    const error = (await client.connect().catch((e: unknown) => e)) as TidingsError
    expect(error.code).toBe('TLS_UNTRUSTED')
    expect(error.message).toMatch(/not trusted/)
    expect(client.state).toBe('offline')
    await new Promise((r) => setTimeout(r, 300))
    expect(opens).toBe(1)
    await client.close()
  })

  it('checks the host name against the certificate', async () => {
    const client = createClient({
      broker: mosquitto({ host: '127.0.0.1', port: broker.tlsPort, tls: true, servername: 'wrong.example' }),
      transport: tls({ ca: certs.ca }),
    })
    const error = (await client.connect().catch((e: unknown) => e)) as TidingsError
    expect(error.code).toBe('TLS_UNTRUSTED')
    await client.close()
  })

  it('refuses tcp() for a tls: true profile with INVALID_OPTIONS naming tls(), and does not retry', async () => {
    // Without the check the lower layer happily opens a plain-text socket to the TLS listener, where the
    // CONNECT (credentials included) would go out unencrypted.
    const raw = tcp().open({ host: 'localhost', port: broker.tlsPort }, PLAIN) as Socket
    await once(raw, 'connect')
    raw.destroy()

    const client = createClient({
      broker: mosquitto({ host: 'localhost', port: broker.tlsPort, tls: true }),
      transport: tcp(),
    })
    const error = (await client.connect().catch((e: unknown) => e)) as TidingsError
    expect(error.code).toBe('INVALID_OPTIONS')
    expect(error.message).toMatch(/tls\(\)/)
    expect(client.state).toBe('offline')
    await client.close()
  })

  it('refuses tls() for a profile without tls: true: the profile decides the scheme, not the transport', async () => {
    const client = createClient({
      broker: mosquitto({ host: 'localhost', port: broker.tlsPort }),
      transport: tls({ ca: certs.ca }),
    })
    const error = (await client.connect().catch((e: unknown) => e)) as TidingsError
    expect(error.code).toBe('INVALID_OPTIONS')
    expect(error.message).toMatch(/tls: true/)
    await client.close()
  })

  it('reports an unreachable broker as CONNECTION_REFUSED', async () => {
    await broker.stop()
    try {
      const client = createClient({ broker: mosquitto({ host: '127.0.0.1', port: broker.port }), transport: tcp() })
      const error = (await client.connect().catch((e: unknown) => e)) as TidingsError
      expect(error.code).toBe('CONNECTION_REFUSED')
      await client.close()
    } finally {
      await broker.start()
    }
  })
})
