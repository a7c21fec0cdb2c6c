import { afterEach, describe, expect, it, vi } from 'vitest'
import type { BrokerProfile, ClientOptions, ClientState, EndpointInfo, StateInfo, TidingsError } from '../src/index.js'
import { createClient, genericBroker, isTidingsError } from '../src/index.js'
import { countingProfile, manualTimers, memoryBroker, settle, type FakeSocket } from './support/memory-broker.js'

// What each attempt uses: the MQTT version (pinned, or negotiated 5 → 3.1.1) and the node of a cluster.
// The far end is played by the test over an in-memory socket; timers are fired by hand.

function setup(
  options: {
    versions?: 4 | 5
    mqtt5?: boolean
    nodes?: EndpointInfo[]
    shuffle?: boolean
    client?: Partial<ClientOptions>
  } = {},
) {
  const broker = memoryBroker(options.versions ?? 4)
  const hosts: string[] = []
  const base = countingProfile({ mqtt5: options.mqtt5 ?? true })
  const profile: BrokerProfile = options.nodes
    ? { ...base, endpoints: () => options.nodes!, shuffleEndpoints: options.shuffle === true }
    : base
  const timers = manualTimers()
  const client = createClient({
    broker: profile,
    transport: {
      ...broker.transport,
      open: (endpoint, o) => {
        hosts.push(endpoint.host)
        return broker.transport.open(endpoint, o)
      },
    },
    timers,
    keepaliveSeconds: 0,
    reconnect: { baseMs: 1000, capMs: 8000 },
    ...options.client,
  })
  const states: Array<[ClientState, StateInfo]> = []
  client.on('state', (state, info) => states.push([state, info]))
  const errors: TidingsError[] = []
  client.on('error', (error) => errors.push(error))
  return { broker, hosts, timers, client, states, errors }
}

/** The next CONNECT's protocol version, once it arrived. */
async function connectOn(socket: FakeSocket): Promise<number> {
  return (await socket.next('connect')).protocolVersion ?? 4
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('protocol negotiation', () => {
  it('falls back to 3.1.1 at once on "unacceptable protocol version" and keeps it for good', async () => {
    const s = setup({ versions: 4 })
    const connected = s.client.connect()
    const first = await s.broker.nextSocket()
    expect(await connectOn(first)).toBe(5)
    first.connack(1) // a 3.1.1 broker: unacceptable protocol version
    first.drop()
    const second = await s.broker.nextSocket()
    expect(await connectOn(second)).toBe(4)
    expect(s.timers.delays).toEqual([]) // no backoff between the two
    second.connack(0)
    await connected
    expect(s.states.at(-1)).toEqual(['online', expect.objectContaining({ protocolVersion: 4 })])
    expect(s.errors).toEqual([])

    second.drop()
    await settle()
    s.timers.fireNext()
    const third = await s.broker.nextSocket()
    expect(await connectOn(third)).toBe(4)
    await s.client.close({ force: true })
  })

  it('falls back when the broker closes the socket right after an MQTT 5 CONNECT (RabbitMQ before 3.13)', async () => {
    const s = setup({ versions: 4 })
    const connected = s.client.connect()
    const first = await s.broker.nextSocket()
    expect(await connectOn(first)).toBe(5)
    first.drop()
    const second = await s.broker.nextSocket()
    expect(await connectOn(second)).toBe(4)
    second.connack(0)
    await connected
    expect(s.client.state).toBe('online')
    await s.client.close({ force: true })
  })

  it('stays on 5 where the broker accepts it, and reports it', async () => {
    const s = setup({ versions: 5 })
    const connected = s.client.connect()
    const socket = await s.broker.nextSocket()
    expect(await connectOn(socket)).toBe(5)
    socket.connack(0)
    await connected
    expect(s.states.at(-1)?.[1].protocolVersion).toBe(5)
    expect(s.broker.sockets).toHaveLength(1)
    await s.client.close({ force: true })
  })

  it('never treats refused credentials as a version problem', async () => {
    const s = setup({ versions: 5 })
    const connected = s.client.connect()
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    socket.connack(0x86) // bad user name or password
    await expect(connected).rejects.toMatchObject({ code: 'NOT_AUTHORIZED', reasonCode: 0x86 })
    expect(s.broker.sockets).toHaveLength(1)
  })

  it('says so when the broker refused both versions', async () => {
    const s = setup({ versions: 4 })
    const connected = s.client.connect()
    for (const version of [5, 4]) {
      const socket = await s.broker.nextSocket()
      expect(await connectOn(socket)).toBe(version)
      socket.connack(1)
      socket.drop()
    }
    const error = (await connected.catch((e: unknown) => e)) as TidingsError
    expect(error).toMatchObject({ code: 'PROTOCOL_ERROR', reasonCode: 1 })
    expect(error.message).toMatch(/MQTT 5 .*3\.1\.1.*protocolVersion/)
    expect(s.broker.sockets).toHaveLength(2)
  })

  it('never changes a pinned version', async () => {
    const s = setup({ versions: 4, client: { protocolVersion: 5 } })
    const connected = s.client.connect()
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    socket.connack(1)
    await expect(connected).rejects.toMatchObject({ code: 'PROTOCOL_ERROR', reasonCode: 1 })
    expect(s.broker.sockets).toHaveLength(1)
  })

  it('speaks 3.1.1 without asking when the profile cannot speak MQTT 5', async () => {
    const s = setup({ versions: 4, mqtt5: false })
    const connected = s.client.connect()
    const socket = await s.broker.nextSocket()
    expect(await connectOn(socket)).toBe(4)
    socket.connack(0)
    await connected
    await s.client.close({ force: true })
  })
})

describe('several endpoints', () => {
  const nodes = ['a', 'b', 'c'].map((host) => ({ host, port: 1883 }))

  it('connect() tries the next node at once when one fails, and reports the node in use', async () => {
    const s = setup({ mqtt5: false, nodes })
    const connected = s.client.connect()
    const a = await s.broker.nextSocket()
    a.fail(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
    const b = await s.broker.nextSocket()
    await b.next('connect')
    b.connack(0)
    await connected
    expect(s.hosts).toEqual(['a', 'b'])
    expect(s.timers.delays).toEqual([])
    expect(s.errors.map((e) => e.code)).toEqual(['CONNECTION_REFUSED'])
    expect(s.states.at(-1)).toEqual(['online', expect.objectContaining({ endpoint: { host: 'b', port: 1883 } })])
    await s.client.close({ force: true })
  })

  it('backs off once per round of nodes, not per node, and starts after the node it lost', async () => {
    const s = setup({ mqtt5: false, nodes })
    const connected = s.client.connect()
    const first = await s.broker.nextSocket()
    await first.next('connect')
    first.connack(0)
    await connected
    first.drop()
    await settle()
    for (let round = 0; round < 2; round++) {
      expect(s.timers.pending()).toBe(1)
      s.timers.fireNext()
      for (let node = 0; node < nodes.length; node++) {
        const socket = await s.broker.nextSocket()
        await socket.next('connect')
        socket.drop()
      }
      await settle()
    }
    expect(s.hosts).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a'])
    expect(s.timers.delays).toHaveLength(3)
    expect(s.states.filter(([state]) => state === 'reconnecting').map(([, info]) => info.attempt)).toEqual([1, 2, 3])
    await s.client.close({ force: true })
  })

  it('genericBroker takes urls of one scheme instead of url', () => {
    const profile = genericBroker({ urls: ['mqtt://a:1', 'mqtt://[::1]'], shuffle: true })
    expect(profile.endpoints?.('mqtt')).toEqual([
      { host: 'a', port: 1 },
      { host: '::1', port: 1883 },
    ])
    expect(profile.shuffleEndpoints).toBe(true)
    const code = (f: () => unknown) => {
      try {
        f()
      } catch (error) {
        return isTidingsError(error) ? error.code : 'not a TidingsError'
      }
    }
    expect(code(() => genericBroker({ urls: ['mqtt://a', 'ws://b'] }))).toBe('INVALID_OPTIONS')
    expect(code(() => genericBroker({ url: 'mqtt://a', urls: ['mqtt://b'] }))).toBe('INVALID_OPTIONS')
    expect(code(() => genericBroker({ urls: [] }))).toBe('INVALID_OPTIONS')
    expect(code(() => genericBroker({}))).toBe('INVALID_OPTIONS')
  })

  it('shuffles the nodes of each round when the profile asks for it', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const s = setup({ mqtt5: false, nodes, shuffle: true })
    const connected = s.client.connect()
    for (let node = 0; node < nodes.length; node++) {
      const socket = await s.broker.nextSocket()
      await socket.next('connect')
      socket.drop()
    }
    await expect(connected).rejects.toMatchObject({ code: 'CONNECTION_REFUSED' })
    // Fisher-Yates with a random() of 0 turns a, b, c into b, c, a.
    expect(s.hosts).toEqual(['b', 'c', 'a'])
  })
})
