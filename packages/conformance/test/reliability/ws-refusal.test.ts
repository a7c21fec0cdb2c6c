import { createClient, genericBroker, type TidingsClient } from '@tidings/core'
import { websocket } from '@tidings/transport-ws'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'

// RabbitMQ Web MQTT refuses wrong credentials by closing the WebSocket with 1002 "unauthenticated" and no
// CONNACK. This server does the same on loopback: while `accept` is set it answers CONNECT with a CONNACK,
// otherwise it closes with `close`. Each test is online first, so what is measured is whether reconnecting stops.
describe('a WebSocket closed before CONNACK', () => {
  let server: WebSocketServer
  let port = 0
  let close: { code: number; reason: string } = { code: 1002, reason: 'unauthenticated' }
  let connections = 0
  let accept = true
  const sockets = new Set<WebSocket>()
  const clients: TidingsClient[] = []

  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'mqtt' })
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    port = (server.address() as { port: number }).port
    server.on('connection', (socket) => {
      connections++
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      const accepting = accept
      // MQTT 3.1.1 CONNACK, accepted.
      socket.once('message', () =>
        accepting ? socket.send(Uint8Array.of(0x20, 0x02, 0x00, 0x00)) : socket.close(close.code, close.reason),
      )
    })
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
    connections = 0
    accept = true
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  /** Online, then every socket dropped while the server now turns the client away. */
  const onlineThenTurnedAway = async (refusal: { code: number; reason: string }) => {
    const client = make()
    const errors: string[] = []
    client.on('error', (e) => errors.push(e.code))
    await client.connect()
    close = refusal
    accept = false
    connections = 0
    for (const socket of sockets) socket.terminate()
    return { client, errors }
  }

  const make = (): TidingsClient => {
    const client = createClient({
      broker: genericBroker({ url: `ws://127.0.0.1:${port}/mqtt`, capabilities: { mqtt5: false } }),
      transport: websocket({ WebSocket }),
      reconnect: { baseMs: 10, capMs: 20, maxAttempts: 20 },
    })
    clients.push(client)
    return client
  }

  for (const refusal of [
    { code: 1002, reason: 'unauthenticated' },
    { code: 1008, reason: '' },
    { code: 1000, reason: 'Not authorized' },
  ]) {
    it(`code ${refusal.code} "${refusal.reason}" is NOT_AUTHORIZED and stops retrying`, async () => {
      const { client, errors } = await onlineThenTurnedAway(refusal)
      await expect.poll(() => client.state, { timeout: 3000 }).toBe('offline')
      await new Promise((r) => setTimeout(r, 200))
      expect(connections).toBe(1)
      expect(errors).toEqual(['NOT_AUTHORIZED'])
    })
  }

  it('any other close before CONNACK stays retryable (what every refusal was before)', async () => {
    const { client, errors } = await onlineThenTurnedAway({ code: 1000, reason: 'bye' })
    await expect.poll(() => connections, { timeout: 3000 }).toBeGreaterThan(2)
    expect(client.state).not.toBe('offline')
    expect(errors.length).toBeGreaterThan(1)
    expect(errors.every((code) => code === 'CONNECTION_REFUSED')).toBe(true)
  })
})
