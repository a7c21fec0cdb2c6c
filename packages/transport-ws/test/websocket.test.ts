import { rmSync } from 'node:fs'
import {
  createClient,
  genericBroker,
  json,
  topic,
  type ClientState,
  type TidingsClient,
  type TidingsError,
} from '@tidings/core'
import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import { WebSocket } from 'ws'
import { websocket, type WebSocketConstructor } from '../src/index.js'
import { endpointUrl } from '../src/websocket.js'
import { makeCertificates } from './support/certs.js'
import { noSubprotocolServer, refusingServer, tlsTerminator } from './support/servers.js'

const note = topic('user/{userId}/notifications', json<{ text: string }>(), { qos: 1 })

let broker: DevBroker
const clients: TidingsClient[] = []

beforeAll(async () => {
  broker = await startDevBroker()
})
afterEach(async () => {
  vi.unstubAllGlobals()
  await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
})
afterAll(async () => {
  await broker.close()
})

function track(client: TidingsClient): TidingsClient {
  clients.push(client)
  return client
}

async function connectError(client: TidingsClient): Promise<TidingsError> {
  const error = await client.connect().then(
    () => undefined,
    (e: TidingsError) => e,
  )
  if (!error) throw new Error('connect() succeeded but should have failed')
  return error
}

/** A `ws` WebSocket that records every frame it sends. */
function recording(frames: Uint8Array[]): WebSocketConstructor {
  return function Recording(url: string, protocols: string[]) {
    const socket = new WebSocket(url, protocols)
    const send = socket.send.bind(socket) as (data: Uint8Array) => void
    socket.send = ((data: Uint8Array) => {
      frames.push(Uint8Array.from(data))
      send(data)
    }) as typeof socket.send
    return socket
  } as unknown as WebSocketConstructor
}

/** Byte length of the MQTT packet starting at `offset` (fixed header + remaining length). */
function packetLength(frame: Uint8Array, offset = 0): number {
  let remaining = 0
  let multiplier = 1
  let i = offset + 1
  for (;;) {
    const byte = frame[i++]!
    remaining += (byte & 0x7f) * multiplier
    multiplier *= 128
    if ((byte & 0x80) === 0) break
  }
  return i - offset + remaining
}

describe('websocket() over ws against the devbroker', () => {
  test('QoS 1 round trip with the injected ws WebSocket', async () => {
    const client = track(createClient({ broker: broker.profile(), transport: websocket({ WebSocket }) }))
    await client.connect()
    const got: string[] = []
    await client.subscribe(note, { userId: '42' }, (n) => {
      got.push(n.text)
    })
    await client.publish(note, { userId: '42' }, { text: 'Ann liked your article' })
    await vi.waitFor(() => expect(got).toEqual(['Ann liked your article']), { timeout: 5000 })
  })

  test('each MQTT packet leaves as exactly one binary frame', async () => {
    const frames: Uint8Array[] = []
    const client = track(
      createClient({ broker: broker.profile(), transport: websocket({ WebSocket: recording(frames) }) }),
    )
    await client.connect()
    const before = frames.length
    const count = 20
    for (let i = 0; i < count; i++) {
      await client.publish(note, { userId: '7' }, { text: `message ${i} with some payload` }, { qos: 0 })
      await new Promise((r) => setTimeout(r, 1))
    }
    await vi.waitFor(() => expect(frames.length - before).toBe(count), { timeout: 5000 })
    for (const frame of frames) expect(packetLength(frame)).toBe(frame.byteLength)
    for (const frame of frames.slice(before)) expect(frame[0]! >> 4).toBe(3) // PUBLISH
  })

  test('one transport serves several clients, each with its own socket', async () => {
    const transport = websocket({ WebSocket })
    const a = track(createClient({ broker: broker.profile(), transport }))
    const b = track(createClient({ broker: broker.profile(), transport }))
    await Promise.all([a.connect(), b.connect()])
    const got: string[] = []
    await b.subscribe(note, { userId: 'b' }, (n) => {
      got.push(n.text)
    })
    await a.publish(note, { userId: 'b' }, { text: 'from a' })
    await vi.waitFor(() => expect(got).toEqual(['from a']), { timeout: 5000 })
    await a.close()
    await b.publish(note, { userId: 'b' }, { text: 'b still online' })
    await vi.waitFor(() => expect(got).toEqual(['from a', 'b still online']), { timeout: 5000 })
  })

  test('the default WebSocket is the global one, read when a connection opens', async () => {
    const transport = websocket()
    vi.stubGlobal('WebSocket', WebSocket)
    const client = track(createClient({ broker: broker.profile(), transport }))
    await client.connect()
    expect(client.state).toBe('online')
  })

  test('without any WebSocket class the failure says what to pass', async () => {
    vi.stubGlobal('WebSocket', undefined)
    const client = track(createClient({ broker: broker.profile(), transport: websocket(), reconnect: false }))
    const error = await connectError(client)
    expect(error.code).toBe('INVALID_OPTIONS')
    expect(error.message).toMatch(/websocket\(\{ WebSocket \}\)/)
  })

  test('nothing listening gives CONNECTION_REFUSED', async () => {
    const closed = await startDevBroker()
    const url = closed.wsUrl
    await closed.close()
    const client = track(
      createClient({
        broker: genericBroker({ url, capabilities: { mqtt5: false } }),
        transport: websocket({ WebSocket }),
        reconnect: false,
      }),
    )
    expect((await connectError(client)).code).toBe('CONNECTION_REFUSED')
  })
})

describe('URLs', () => {
  test('path from the profile, /mqtt when absent, default ports left out, IPv6 bracketed', () => {
    expect(endpointUrl('ws', { host: '127.0.0.1', port: 8083, path: '/mqtt' })).toBe('ws://127.0.0.1:8083/mqtt')
    expect(endpointUrl('ws', { host: 'mq.example.com', port: 80 })).toBe('ws://mq.example.com/mqtt')
    expect(endpointUrl('wss', { host: 'mq.example.com', port: 443, path: 'ws' })).toBe('wss://mq.example.com/ws')
    expect(endpointUrl('wss', { host: '::1', port: 8084, path: '/mqtt' })).toBe('wss://[::1]:8084/mqtt')
  })

  test("accepts the browser's WebSocket class type as well as ws's", () => {
    // Type-level too: this file stops compiling if either class no longer fits the option.
    const fromBrowser = (Socket: typeof globalThis.WebSocket) => websocket({ WebSocket: Socket })
    expect(fromBrowser(WebSocket as unknown as typeof globalThis.WebSocket).scheme).toBe('ws')
  })

  test('takes no scheme flag: ws or wss is what the broker profile chose', () => {
    expect(websocket().schemes).toEqual(['ws', 'wss'])
    // @ts-expect-error: the profile decides the scheme (tls: true or a wss:// URL), never the transport
    websocket({ tls: true })
  })
})

describe('the failures users hit', () => {
  test('a URL without the path the broker serves: WS_HANDSHAKE_FAILED with the HTTP status', async () => {
    const custom = await startDevBroker({ wsPath: '/realtime' })
    try {
      // The user forgot the path; the profile falls back to /mqtt, which this broker does not serve.
      const url = `ws://127.0.0.1:${custom.wsPort}`
      const states: Array<[ClientState, string | undefined]> = []
      const client = track(
        createClient({
          broker: genericBroker({ url, capabilities: { mqtt5: false } }),
          transport: websocket({ WebSocket }),
          reconnect: false,
        }),
      )
      client.on('state', (state, info) => states.push([state, info.error?.code]))
      const error = await connectError(client)
      expect(error.code).toBe('WS_HANDSHAKE_FAILED')
      expect(error.status).toBe(400)
      expect(error.message).toContain(`ws://127.0.0.1:${custom.wsPort}/mqtt`)
      expect(error.message).toContain('no MQTT endpoint at /mqtt; use /realtime')
      expect(error.message).toMatch(/check the path/)
      expect(states.at(-1)).toEqual(['offline', 'WS_HANDSHAKE_FAILED'])
    } finally {
      await custom.close()
    }
  })

  test('a refused upgrade while reconnecting reaches the error event and the state events', async () => {
    const refusing = await refusingServer(404, 'Not Found')
    try {
      // The profile points at the devbroker first, then (say, after a bad deploy) at a server that refuses.
      let url = broker.wsUrl
      const base = { capabilities: { mqtt5: false } }
      const profile = {
        ...genericBroker({ url, ...base }),
        endpoint: () => genericBroker({ url, ...base }).endpoint('ws'),
      }
      const client = track(
        createClient({
          broker: profile,
          transport: websocket({ WebSocket }),
          reconnect: { baseMs: 10, capMs: 20, maxAttempts: 2 },
        }),
      )
      const errors: TidingsError[] = []
      const reconnecting: Array<[string | undefined, number | undefined]> = []
      client.on('error', (e) => errors.push(e))
      client.on('state', (state, info) => {
        if (state === 'reconnecting') reconnecting.push([info.error?.code, info.error?.status])
      })
      await client.connect()
      url = `ws://127.0.0.1:${refusing.port}/mqtt`
      broker.dropClients()
      // Each refused attempt, then giving up after maxAttempts.
      await vi.waitFor(() => expect(errors).toHaveLength(3), { timeout: 5000 })
      expect(errors.map((e) => [e.code, e.status])).toEqual([
        ['WS_HANDSHAKE_FAILED', 404],
        ['WS_HANDSHAKE_FAILED', 404],
        ['RECONNECT_EXHAUSTED', undefined],
      ])
      expect(reconnecting).toEqual([
        ['CONNECTION_LOST', undefined],
        ['WS_HANDSHAKE_FAILED', 404],
      ])
      expect(errors[2]!.cause).toMatchObject({ code: 'WS_HANDSHAKE_FAILED', status: 404 })
    } finally {
      await refusing.close()
    }
  })

  test('a server that refuses the mqtt subprotocol with HTTP 400: WS_HANDSHAKE_FAILED, status 400', async () => {
    const refusing = await refusingServer(400, 'unsupported subprotocol')
    try {
      const url = `ws://127.0.0.1:${refusing.port}/mqtt`
      const client = track(
        createClient({
          broker: genericBroker({ url, capabilities: { mqtt5: false } }),
          transport: websocket({ WebSocket }),
          reconnect: false,
        }),
      )
      const error = await connectError(client)
      expect(error.code).toBe('WS_HANDSHAKE_FAILED')
      expect(error.status).toBe(400)
      expect(error.message).toContain('unsupported subprotocol')
    } finally {
      await refusing.close()
    }
  })

  test('a server that upgrades without the mqtt subprotocol: WS_HANDSHAKE_FAILED naming it', async () => {
    const server = await noSubprotocolServer()
    try {
      const url = `ws://127.0.0.1:${server.port}/mqtt`
      const client = track(
        createClient({
          broker: genericBroker({ url, capabilities: { mqtt5: false } }),
          transport: websocket({ WebSocket }),
          reconnect: false,
        }),
      )
      const error = await connectError(client)
      expect(error.code).toBe('WS_HANDSHAKE_FAILED')
      expect(error.message).toMatch(/did not accept the 'mqtt' subprotocol/)
    } finally {
      await server.close()
    }
  })

  describe('wss with a self-signed certificate', () => {
    const certs = makeCertificates()
    let proxy: Awaited<ReturnType<typeof tlsTerminator>>
    beforeAll(async () => {
      proxy = await tlsTerminator({ cert: certs.cert, key: certs.key, targetPort: broker.wsPort })
    })
    afterAll(async () => {
      await proxy.close()
      rmSync(certs.dir, { recursive: true, force: true })
    })
    const profile = () => genericBroker({ url: `wss://127.0.0.1:${proxy.port}/mqtt`, capabilities: { mqtt5: false } })

    test('untrusted: TLS_UNTRUSTED, with a hint to pass the CA, and no retrying', async () => {
      const client = track(createClient({ broker: profile(), transport: websocket({ WebSocket }) }))
      const error = await connectError(client)
      expect(error.code).toBe('TLS_UNTRUSTED')
      expect(error.message).toMatch(/socketOptions: \{ ca \}/)
      expect(client.state).toBe('offline')
    })

    test('trusted through socketOptions.ca: connects and round-trips', async () => {
      // The wss:// profile alone makes the transport use wss.
      const client = track(
        createClient({ broker: profile(), transport: websocket({ WebSocket, socketOptions: { ca: certs.ca } }) }),
      )
      await client.connect()
      const got: string[] = []
      await client.subscribe(note, { userId: 's' }, (n) => {
        got.push(n.text)
      })
      await client.publish(note, { userId: 's' }, { text: 'over wss' })
      await vi.waitFor(() => expect(got).toEqual(['over wss']), { timeout: 5000 })
    })
  })
})
