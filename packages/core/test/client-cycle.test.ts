import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, json, topic, type ClientOptions, type ClientState, type TidingsError } from '../src/index.js'
import { countingProfile, manualTimers, memoryBroker, settle } from './support/memory-broker.js'

// The client over an in-memory socket whose far end the test plays: no network, timers fired by hand.
const t = topic('cycle/{id}', json<number>(), { qos: 1 })

function setup(options: Partial<ClientOptions> = {}) {
  const broker = memoryBroker()
  // A fresh password per attempt, as a short-lived token would be.
  const profile = countingProfile({ password: () => `token-${profile.calls.length}` })
  const timers = manualTimers()
  const client = createClient({
    broker: profile,
    transport: broker.transport,
    timers,
    keepaliveSeconds: 0,
    reconnect: { baseMs: 1000, capMs: 8000 },
    ...options,
  })
  const states: Array<[ClientState, number | undefined]> = []
  client.on('state', (state, info) => states.push([state, info.delayMs]))
  const errors: TidingsError[] = []
  client.on('error', (error) => errors.push(error))
  return { broker, profile, timers, client, states, errors }
}

/** Connects through one CONNECT/CONNACK exchange. */
async function online(s: ReturnType<typeof setup>) {
  const connected = s.client.connect()
  const socket = await s.broker.nextSocket()
  await socket.next('connect')
  socket.connack(0)
  await connected
  return socket
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('connection cycle', () => {
  it('goes offline → connecting → online, fetching credentials once for the attempt', async () => {
    const s = setup()
    const socket = await online(s)
    expect(s.states.map(([state]) => state)).toEqual(['connecting', 'online'])
    expect(s.profile.calls).toEqual([{ attempt: 0 }])
    const connect = socket.received[0]
    expect(connect).toMatchObject({ cmd: 'connect', clientId: 'memory-client', username: 'u' })
    await s.client.close({ force: true })
  })

  it('rejects connect() with the first refusal and does not retry it', async () => {
    const s = setup()
    const connected = s.client.connect()
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    socket.connack(5) // MQTT 3.1.1: not authorized
    await expect(connected).rejects.toMatchObject({ code: 'NOT_AUTHORIZED', reasonCode: 5 })
    expect(s.client.state).toBe('offline')
    expect(s.timers.pending()).toBe(0)
    expect(s.profile.calls).toHaveLength(1)
  })

  it('after a loss, backs off within the window, fetches credentials again and restores subscriptions', async () => {
    const s = setup()
    const first = await online(s)
    const got: number[] = []
    const subscribed = s.client.subscribe(t, { id: 'a' }, (v) => {
      got.push(v)
    })
    const sub = await first.next('subscribe')
    first.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
    await subscribed

    vi.spyOn(Math, 'random').mockReturnValue(0.999)
    first.drop({ code: 1006, reason: 'gone' })
    await settle()
    expect(s.client.state).toBe('reconnecting')
    expect(s.states.at(-1)).toEqual(['reconnecting', 999])
    // Nothing happens until the backoff timer fires.
    expect(s.broker.sockets).toHaveLength(1)
    expect(s.timers.fireNext()).toBe(true)
    const second = await s.broker.nextSocket()
    await second.next('connect')
    expect(s.profile.calls.map((c) => c.attempt)).toEqual([0, 1])
    const [connect1, connect2] = [first.received[0], second.received[0]] as Array<{ password?: Buffer }>
    expect([String(connect1?.password), String(connect2?.password)]).toEqual(['token-1', 'token-2'])
    second.connack(0)
    const again = await second.next('subscribe')
    expect(again.subscriptions).toEqual([{ topic: 'cycle/a', qos: 1 }])
    second.send({ cmd: 'suback', messageId: again.messageId, granted: [1] })
    second.send({ cmd: 'publish', topic: 'cycle/a', payload: Buffer.from('7'), qos: 0, retain: false, dup: false })
    await vi.waitFor(() => expect(got).toEqual([7]))
    await s.client.close({ force: true })
  })

  it('keeps the first three windows at baseMs, then doubles up to capMs (full jitter)', async () => {
    const s = setup({ reconnect: { baseMs: 1000, capMs: 3000 } })
    const first = await online(s)
    vi.spyOn(Math, 'random').mockReturnValue(0.999)
    first.drop()
    await settle()
    for (let i = 0; i < 5; i++) {
      expect(s.timers.fireNext()).toBe(true)
      const socket = await s.broker.nextSocket()
      await socket.next('connect')
      socket.drop() // closed before CONNACK
      await settle()
    }
    expect(s.states.filter(([state]) => state === 'reconnecting').map(([, delay]) => delay)).toEqual([
      999, 999, 999, 1998, 2997, 2997,
    ])
    vi.spyOn(Math, 'random').mockReturnValue(0)
    expect(s.timers.fireNext()).toBe(true)
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    socket.drop()
    await settle()
    expect(s.states.at(-1)).toEqual(['reconnecting', 0])
    await s.client.close({ force: true })
  })

  it('gives up with RECONNECT_EXHAUSTED after maxAttempts and fails later publishes fast', async () => {
    const s = setup({ reconnect: { baseMs: 10, maxAttempts: 2 } })
    const first = await online(s)
    first.drop()
    await settle()
    for (let i = 0; i < 2; i++) {
      s.timers.fireNext()
      const socket = await s.broker.nextSocket()
      await socket.next('connect')
      socket.drop()
      await settle()
    }
    expect(s.client.state).toBe('offline')
    expect(s.timers.pending()).toBe(0)
    expect(s.errors.at(-1)).toMatchObject({ code: 'RECONNECT_EXHAUSTED' })
    await expect(s.client.publish(t, { id: 'a' }, 1)).rejects.toMatchObject({ code: 'NOT_CONNECTED' })
  })

  it('gives up at once on a fatal refusal while reconnecting', async () => {
    const s = setup()
    const first = await online(s)
    first.drop()
    await settle()
    s.timers.fireNext()
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    socket.connack(2) // identifier rejected
    await settle()
    expect(s.client.state).toBe('offline')
    expect(s.errors.map((e) => e.code)).toContain('CLIENT_ID_REJECTED')
    expect(s.timers.pending()).toBe(0)
  })

  it('asks a refreshing profile once more after NOT_AUTHORIZED, naming the refusal, then stops', async () => {
    const broker = memoryBroker()
    const profile = countingProfile({ refreshesCredentials: true })
    const timers = manualTimers()
    const client = createClient({ broker: profile, transport: broker.transport, timers, keepaliveSeconds: 0 })
    client.on('error', () => {})
    const connected = client.connect()
    const first = await broker.nextSocket()
    await first.next('connect')
    first.connack(0)
    await connected
    first.drop()
    await settle()
    for (let i = 0; i < 2; i++) {
      timers.fireNext()
      const socket = await broker.nextSocket()
      await socket.next('connect')
      socket.connack(5)
      await settle()
    }
    expect(profile.calls).toEqual([
      { attempt: 0 },
      { attempt: 1 },
      { attempt: 2, previousError: { code: 'NOT_AUTHORIZED' } },
    ])
    expect(client.state).toBe('offline')
  })

  it('lets reconnect.retry decide: a delay, then false', async () => {
    const seen: Array<[number, string]> = []
    const s = setup({
      reconnect: {
        retry: (attempt, error) => {
          seen.push([attempt, error.code])
          return attempt < 3 ? 250 : false
        },
      },
    })
    const first = await online(s)
    first.drop()
    await settle()
    for (let i = 0; i < 2; i++) {
      s.timers.fireNext()
      const socket = await s.broker.nextSocket()
      await socket.next('connect')
      socket.connack(5) // fatal by default, retried because the policy says so
      await settle()
    }
    expect(seen).toEqual([
      [1, 'CONNECTION_LOST'],
      [2, 'NOT_AUTHORIZED'],
      [3, 'NOT_AUTHORIZED'],
    ])
    expect(s.timers.delays).toEqual([250, 250])
    expect(s.client.state).toBe('offline')
    // Declined on a fatal error: that error itself, not RECONNECT_EXHAUSTED.
    expect(s.errors.at(-1)).toMatchObject({ code: 'NOT_AUTHORIZED' })
  })

  it('close() while connecting rejects connect() and opens nothing more', async () => {
    const s = setup()
    const connected = s.client.connect()
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    await s.client.close()
    await expect(connected).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
    socket.connack(0) // too late
    await settle()
    expect(s.client.state).toBe('closed')
    expect(s.states.map(([state]) => state)).toEqual(['connecting', 'closed'])
    expect(s.broker.sockets).toHaveLength(1)
  })

  it('close() during the backoff cancels the retry', async () => {
    const s = setup()
    const first = await online(s)
    first.drop()
    await settle()
    expect(s.timers.pending()).toBe(1)
    await s.client.close()
    expect(s.timers.pending()).toBe(0)
    expect(s.profile.calls).toHaveLength(1)
  })

  it('skips the rest of the backoff when the platform says the app is back', async () => {
    const broker = memoryBroker()
    let foreground = (): void => {}
    const transport = {
      ...broker.transport,
      lifecycle: {
        onForeground: (f: () => void) => {
          foreground = f
          return () => {}
        },
      },
    }
    const timers = manualTimers()
    const client = createClient({ broker: countingProfile(), transport, timers, keepaliveSeconds: 0 })
    const connected = client.connect()
    const first = await broker.nextSocket()
    await first.next('connect')
    first.connack(0)
    await connected
    first.drop()
    await settle()
    expect(timers.pending()).toBe(1)
    foreground()
    expect(timers.pending()).toBe(0)
    const second = await broker.nextSocket()
    await second.next('connect')
    second.connack(0)
    await vi.waitFor(() => expect(client.state).toBe('online'))
    await client.close({ force: true })
  })

  it('close() from an error listener mid-cycle leaves the client closed, with no retry scheduled', async () => {
    const s = setup()
    const first = await online(s)
    first.drop()
    await settle()
    s.client.on('error', () => void s.client.close())
    s.timers.fireNext()
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    socket.drop()
    await settle()
    expect(s.client.state).toBe('closed')
    expect(s.states.at(-1)?.[0]).toBe('closed')
    expect(s.timers.pending()).toBe(0)
  })
})
