import type { TidingsError } from '@tidings/core'
import { describe, expect, it } from 'vitest'
import { freePort } from '../../src/fixtures/index.js'
import { mosquittoBehindProxy } from './behind-proxy.js'

// Against a real Mosquitto behind the fault proxy (loopback): how a cut connection and a refused one are reported.
describe('cut versus refused (real Mosquitto)', () => {
  const env = mosquittoBehindProxy('errors', {}, { silent: false })
  const { make } = env

  it('a reset of a live connection is CONNECTION_LOST, with the socket error as cause, and reconnects', async () => {
    const client = make(env.relay.port)
    const errors: TidingsError[] = []
    client.on('error', (e) => errors.push(e))
    await client.connect()
    env.relay.cut('rst')
    await expect.poll(() => errors.length, { timeout: 3000 }).toBeGreaterThan(0)
    expect(errors[0]).toMatchObject({ code: 'CONNECTION_LOST' })
    expect((errors[0]!.cause as { code?: string }).code).toBe('ECONNRESET')
    await expect.poll(() => client.state, { timeout: 3000 }).toBe('online')
  })

  it('an attempt nobody answers is CONNECTION_REFUSED', async () => {
    const client = make(await freePort(), { reconnect: false })
    await expect(client.connect()).rejects.toMatchObject({ code: 'CONNECTION_REFUSED' })
  })

  it('garbage from the broker side closes the connection with PROTOCOL_ERROR, and the client reconnects', async () => {
    const client = make(env.relay.port)
    const errors: TidingsError[] = []
    client.on('error', (e) => errors.push(e))
    await client.connect()
    const before = env.relay.connections().length
    env.relay.inject(Buffer.from('garbage!'), 'toClient')
    await expect.poll(() => errors.length, { timeout: 3000 }).toBeGreaterThan(0)
    expect(errors[0]).toMatchObject({ code: 'PROTOCOL_ERROR' })
    await expect.poll(() => client.state, { timeout: 3000 }).toBe('online')
    expect(before).toBe(1)
  })

  it('a PUBLISH header announcing 200 MB ends the connection before its body is read', async () => {
    const client = make(env.relay.port, { maxPacketBytes: 64 * 1024 })
    const errors: TidingsError[] = []
    client.on('error', (e) => errors.push(e))
    await client.connect()
    env.relay.inject(Uint8Array.of(0x30, 0x80, 0xb4, 0xae, 0x5f), 'toClient')
    await expect.poll(() => errors.length, { timeout: 3000 }).toBeGreaterThan(0)
    expect(errors[0]!.message).toContain('maxPacketBytes')
    await expect.poll(() => client.state, { timeout: 3000 }).toBe('online')
  })
})
