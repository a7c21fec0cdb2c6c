import { describe, expect, it } from 'vitest'
import { json, topic } from '../src/index.js'
import { classifyError } from '../src/client/mqtt-errors.js'
import { memoryBroker, settle } from './support/memory-broker.js'
import { online, reset, setup } from './support/reliability.js'

// Reliability of the client over an in-memory socket whose far end the test plays: no network.

describe('a cut connection versus a refused one', () => {
  it('a reset of a live connection is CONNECTION_LOST with the socket error as cause', async () => {
    const s = setup()
    const socket = await online(s)
    const error = reset()
    socket.fail(error)
    await settle()
    expect(s.client.state).toBe('reconnecting')
    expect(s.errors.map((e) => e.code)).toEqual(['CONNECTION_LOST'])
    expect(s.errors[0]!.cause).toBe(error)
    expect(s.states.at(-1)?.error).toMatchObject({ code: 'CONNECTION_LOST', cause: error })
    await s.client.close({ force: true })
  })

  it('without knowing the connection was live, the same error reads as CONNECTION_REFUSED', () => {
    // What the client reported before it told the two apart.
    expect(classifyError(reset(), 'memory', 'memory').code).toBe('CONNECTION_REFUSED')
    expect(classifyError(reset(), 'memory', 'memory', true).code).toBe('CONNECTION_LOST')
  })

  it('a reset before any CONNACK is CONNECTION_REFUSED', async () => {
    const s = setup({ reconnect: false })
    const connected = s.client.connect()
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    socket.fail(reset())
    await expect(connected).rejects.toMatchObject({ code: 'CONNECTION_REFUSED' })
  })
})

describe('subscribe() with an AbortSignal', () => {
  const t = topic('abort/{id}', json<number>(), { qos: 1 })

  it('an aborted signal rejects with ABORTED and sends nothing', async () => {
    const s = setup()
    const socket = await online(s)
    const signal = AbortSignal.abort('not needed')
    await expect(s.client.subscribe(t, { id: 'a' }, () => {}, { signal })).rejects.toMatchObject({
      code: 'ABORTED',
      cause: 'not needed',
    })
    await settle()
    expect(socket.received.map((p) => p.cmd)).toEqual(['connect'])
    await s.client.close({ force: true })
  })

  it('aborting before the SUBACK rejects with ABORTED; a late SUBACK delivers nothing to the handler', async () => {
    const s = setup()
    const socket = await online(s)
    const got: number[] = []
    const controller = new AbortController()
    const subscribed = s.client.subscribe(t, { id: 'a' }, (v) => void got.push(v), { signal: controller.signal })
    const sub = await socket.next('subscribe')
    controller.abort()
    await expect(subscribed).rejects.toMatchObject({ code: 'ABORTED' })
    socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
    await socket.next('unsubscribe')
    socket.send({ cmd: 'publish', topic: 'abort/a', payload: Buffer.from('1'), qos: 0, retain: false, dup: false })
    await settle()
    expect(got).toEqual([])
    await s.client.close({ force: true })
  })

  it('aborting after the SUBACK unsubscribes', async () => {
    const s = setup()
    const socket = await online(s)
    const controller = new AbortController()
    const subscribed = s.client.subscribe(t, { id: 'a' }, () => {}, { signal: controller.signal })
    const sub = await socket.next('subscribe')
    socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
    await subscribed
    controller.abort()
    const unsub = await socket.next('unsubscribe')
    expect(unsub.unsubscriptions).toEqual(['abort/a'])
    await s.client.close({ force: true })
  })

  it("waitFor's ready rejects with ABORTED, whether the signal was aborted before or during the wait", async () => {
    const s = setup()
    const socket = await online(s)
    const before = s.client.waitFor(t, { id: 'a' }, { signal: AbortSignal.abort() })
    await expect(before.ready).rejects.toMatchObject({ code: 'ABORTED' })
    await expect(before).rejects.toMatchObject({ code: 'ABORTED' })

    const controller = new AbortController()
    const during = s.client.waitFor(t, { id: 'b' }, { signal: controller.signal })
    await socket.next('subscribe')
    controller.abort()
    await expect(during.ready).rejects.toMatchObject({ code: 'ABORTED' })
    await expect(during).rejects.toMatchObject({ code: 'ABORTED' })
    await s.client.close({ force: true })
  })
})

describe('close() is bounded', () => {
  const t = topic('close/{id}', json<number>(), { qos: 1 })

  it('on a silent connection it waits closeTimeoutMs, destroys the socket and rejects the in-flight publish', async () => {
    const s = setup({ closeTimeoutMs: 1500 })
    const socket = await online(s)
    const published = s.client.publish(t, { id: 'a' }, 1)
    published.catch(() => {})
    await socket.next('publish') // never acknowledged
    let closed = false
    const closing = s.client.close().then(() => {
      closed = true
    })
    await settle()
    expect(closed).toBe(false)
    expect(s.timers.delays.at(-1)).toBe(1500)
    s.timers.fireNext()
    await closing
    expect(socket.closed).toBe(true)
    await expect(published).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
  })

  it('defaults to 2 s', async () => {
    const s = setup()
    const socket = await online(s)
    s.client.publish(t, { id: 'a' }, 1).catch(() => {})
    await socket.next('publish')
    const closing = s.client.close()
    await settle()
    expect(s.timers.delays.at(-1)).toBe(2000)
    s.timers.fireNext()
    await closing
  })
})

describe('probe on return to the foreground', () => {
  function withLifecycle() {
    const listeners: Array<() => void> = []
    const broker = memoryBroker()
    const transport = {
      ...broker.transport,
      lifecycle: {
        onForeground: (listener: () => void) => {
          listeners.push(listener)
          return () => {}
        },
      },
    }
    const s = setup({ transport })
    return { ...s, broker, foreground: () => listeners.forEach((l) => l()) }
  }

  it('sends a PINGREQ; without a PINGRESP within 3 s it drops the connection and reconnects at once', async () => {
    const s = withLifecycle()
    const socket = await online(s)
    s.foreground()
    await socket.next('pingreq')
    expect(s.timers.delays.at(-1)).toBe(3000)
    expect(socket.closed).toBe(false)
    s.timers.fireNext()
    await settle()
    expect(socket.closed).toBe(true)
    // No backoff timer: the next attempt is already open.
    const next = await s.broker.nextSocket()
    await next.next('connect')
    next.connack(0)
    await settle()
    expect(s.client.state).toBe('online')
    await s.client.close({ force: true })
  })

  it('a connection that answers stays', async () => {
    const s = withLifecycle()
    const socket = await online(s)
    s.foreground()
    await socket.next('pingreq')
    socket.send({ cmd: 'pingresp' })
    await settle()
    expect(s.timers.pending()).toBe(0)
    expect(socket.closed).toBe(false)
    expect(s.broker.sockets).toHaveLength(1)
    await s.client.close({ force: true })
  })
})
