import {
  createClient,
  json,
  text,
  topic,
  type ClientOptions,
  type ClientState,
  type PlatformLifecycle,
  type TidingsClient,
  type TidingsError,
} from '@tidings/core'
import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { pause, waitUntil } from '../../src/suite.case.js'

// Client behaviour that does not depend on the broker: offline queue, waits, streams, closing, giving up.
describe('client behaviour (on the devbroker)', () => {
  let broker: DevBroker
  const clients: TidingsClient[] = []
  const make = (options: Partial<ClientOptions> = {}): TidingsClient => {
    const client = createClient({
      broker: broker.profile(),
      transport: tcp(),
      reconnect: { baseMs: 50, capMs: 200 },
      ...options,
    })
    clients.push(client)
    return client
  }
  let n = 0
  const t = <V>(codec: Parameters<typeof topic<string, V>>[1]) => topic(`b/${++n}/{id}`, codec, { qos: 1 })

  beforeAll(async () => {
    broker = await startDevBroker()
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
  })
  afterAll(async () => {
    await broker.close()
  })

  it('holds publishes made before connect() and sends them once online', async () => {
    const tt = t(json<number>())
    const sub = make()
    await sub.connect()
    const got: number[] = []
    await sub.subscribe(tt, {}, (v) => {
      got.push(v)
    })
    const pub = make()
    const sent = [pub.publish(tt, { id: 'x' }, 1), pub.publish(tt, { id: 'x' }, 2)]
    await pause(50)
    expect(got).toEqual([])
    await pub.connect()
    await Promise.all(sent)
    await expect.poll(() => got).toEqual([1, 2])
  })

  it('bounds the offline queue: the publish past the limit rejects with OFFLINE_QUEUE_FULL', async () => {
    const tt = t(text())
    const pub = make({ offlineQueueLimit: 2 })
    const first = [pub.publish(tt, { id: 'a' }, '1'), pub.publish(tt, { id: 'a' }, '2')]
    const error = (await pub.publish(tt, { id: 'a' }, '3').catch((e: unknown) => e)) as TidingsError
    expect(error.code).toBe('OFFLINE_QUEUE_FULL')
    await pub.connect()
    await Promise.all(first)
  })

  it('keeps publishes made while reconnecting and delivers them once reconnected', async () => {
    const tt = t(json<number>())
    const sub = make()
    // A slower backoff keeps the publisher offline long enough to publish while it reconnects.
    const pub = make({ reconnect: { baseMs: 400, capMs: 400 } })
    await Promise.all([sub.connect(), pub.connect()])
    const got: number[] = []
    await sub.subscribe(tt, {}, (v) => {
      got.push(v)
    })
    const reconnecting = new Promise<void>((resolve) =>
      pub.on('state', (s) => {
        if (s === 'reconnecting') resolve()
      }),
    )
    // Only the publisher loses its connection; the subscriber stays online throughout.
    await waitUntil(
      () => broker.kick(pub.clientId!),
      2000,
      () => 'publisher known to the broker',
    )
    await reconnecting
    const pending = [1, 2, 3].map((i) => pub.publish(tt, { id: 'q' }, i))
    expect(pub.state).toBe('reconnecting')
    await Promise.all(pending)
    await expect.poll(() => got, { timeout: 5000 }).toEqual([1, 2, 3])
  })

  it('waitFor resolves with the next matching message, `ready` resolves at SUBACK', async () => {
    const tt = t(json<{ ok: boolean; n: number }>())
    const [a, b] = [make(), make()]
    await Promise.all([a.connect(), b.connect()])
    const waiting = a.waitFor(tt, { id: 'order-1' }, { timeoutMs: 5000, where: (p) => p.n > 1 })
    await waiting.ready
    await b.publish(tt, { id: 'order-1' }, { ok: false, n: 1 })
    await b.publish(tt, { id: 'order-1' }, { ok: true, n: 2 })
    await expect(waiting).resolves.toEqual({ ok: true, n: 2 })
  })

  it('waiting twice in a row on the same topic works (UNSUBSCRIBE then SUBSCRIBE of one filter)', async () => {
    const tt = t(json<number>())
    const [a, b] = [make(), make()]
    await Promise.all([a.connect(), b.connect()])
    for (let i = 0; i < 3; i++) {
      const waiting = a.waitFor(tt, { id: 'same' }, { timeoutMs: 3000 })
      await waiting.ready
      await b.publish(tt, { id: 'same' }, i)
      await expect(waiting).resolves.toBe(i)
    }
  })

  it('waitFor rejects with TIMEOUT, and with ABORTED on its signal', async () => {
    const tt = t(text())
    const a = make()
    await a.connect()
    const timedOut = (await a.waitFor(tt, { id: 'never' }, { timeoutMs: 100 }).catch((e: unknown) => e)) as TidingsError
    expect(timedOut.code).toBe('TIMEOUT')
    const controller = new AbortController()
    const waiting = a.waitFor(tt, { id: 'never' }, { signal: controller.signal })
    controller.abort()
    expect(((await waiting.catch((e: unknown) => e)) as TidingsError).code).toBe('ABORTED')
  })

  it('stream yields messages in order and unsubscribes on break', async () => {
    const tt = t(json<number>())
    const [a, b] = [make(), make()]
    await Promise.all([a.connect(), b.connect()])
    const seen: Array<[number, string]> = []
    const reading = (async () => {
      for await (const m of a.stream(tt, {})) {
        seen.push([m.payload, m.meta.params.id])
        if (seen.length === 3) break
      }
    })()
    await pause(100)
    for (let i = 0; i < 3; i++) await b.publish(tt, { id: `d${i}` }, i)
    await reading
    expect(seen).toEqual([
      [0, 'd0'],
      [1, 'd1'],
      [2, 'd2'],
    ])
  })

  it('stream ends when its AbortSignal fires', async () => {
    const tt = t(text())
    const a = make()
    await a.connect()
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const seen: string[] = []
    for await (const m of a.stream(tt, {}, { signal: controller.signal })) seen.push(m.payload)
    expect(seen).toEqual([])
  })

  it('a throwing handler is reported as HANDLER_FAILED and others still receive', async () => {
    const tt = t(text())
    const [a, b] = [make(), make()]
    await Promise.all([a.connect(), b.connect()])
    const errors: string[] = []
    a.on('error', (e) => {
      errors.push(e.code)
    })
    const got: string[] = []
    await a.subscribe(tt, {}, () => {
      throw new Error('bug in app')
    })
    await a.subscribe(tt, { id: 'x' }, async (v) => {
      got.push(v)
    })
    await b.publish(tt, { id: 'x' }, 'hello')
    await expect.poll(() => got).toEqual(['hello'])
    expect(errors).toEqual(['HANDLER_FAILED'])
  })

  it('close() rejects what is pending and everything after it with CLIENT_CLOSED', async () => {
    const tt = t(text())
    const a = make()
    const queued = a.publish(tt, { id: 'x' }, 'never sent')
    const waiting = a.waitFor(tt, { id: 'x' })
    await a.close()
    expect(a.state).toBe('closed')
    expect(((await queued.catch((e: unknown) => e)) as TidingsError).code).toBe('CLIENT_CLOSED')
    expect(((await waiting.catch((e: unknown) => e)) as TidingsError).code).toBe('CLIENT_CLOSED')
    expect(((await a.connect().catch((e: unknown) => e)) as TidingsError).code).toBe('CLIENT_CLOSED')
    expect(((await a.publish(tt, { id: 'x' }, 'y').catch((e: unknown) => e)) as TidingsError).code).toBe(
      'CLIENT_CLOSED',
    )
  })

  it('gives up after maxAttempts with RECONNECT_EXHAUSTED, then fails publishes fast', async () => {
    const own = await startDevBroker()
    const a = createClient({
      broker: own.profile(),
      transport: tcp(),
      reconnect: { baseMs: 20, capMs: 50, maxAttempts: 3 },
    })
    clients.push(a)
    const states: Array<[ClientState, number | undefined]> = []
    const errors: string[] = []
    a.on('state', (s, info) => {
      states.push([s, info.attempt])
    })
    a.on('error', (e) => {
      errors.push(e.code)
    })
    await a.connect()
    await own.close()
    await waitUntil(() => a.state === 'offline', 5000)
    expect(states.filter(([s]) => s === 'reconnecting').map(([, attempt]) => attempt)).toEqual([1, 2, 3])
    // Every failed attempt is reported, then giving up.
    expect(errors).toEqual(['CONNECTION_REFUSED', 'CONNECTION_REFUSED', 'CONNECTION_REFUSED', 'RECONNECT_EXHAUSTED'])
    const tt = t(text())
    expect(((await a.publish(tt, { id: 'x' }, 'late').catch((e: unknown) => e)) as TidingsError).code).toBe(
      'NOT_CONNECTED',
    )
  })

  it('reconnects at once when the platform says the app is back in the foreground', async () => {
    const own = await startDevBroker()
    const listeners: Array<() => void> = []
    const lifecycle: PlatformLifecycle = {
      onForeground: (f) => {
        listeners.push(f)
        return () => listeners.splice(listeners.indexOf(f), 1)
      },
    }
    const base = tcp()
    // Retry timers never fire: only the foreground event can bring the client back.
    const timers = { setTimeout: () => undefined, clearTimeout: () => {} }
    const a = createClient({ broker: own.profile(), transport: { ...base, lifecycle }, timers })
    clients.push(a)
    await a.connect()
    own.dropClients()
    await waitUntil(() => a.state === 'reconnecting', 2000)
    await pause(200)
    expect(a.state).toBe('reconnecting') // the backoff never ends on its own…
    const started = Date.now()
    listeners.forEach((f) => f())
    await waitUntil(() => a.state === 'online', 2000)
    expect(Date.now() - started).toBeLessThan(1000)
    await a.close()
    expect(listeners).toHaveLength(0)
    await own.close()
  })

  it('a failed first connect rejects connect() and reaches the error event once', async () => {
    const own = await startDevBroker({ users: { ann: 'right' } })
    const a = createClient({ broker: own.profile({ username: 'ann', password: 'wrong' }), transport: tcp() })
    clients.push(a)
    const errors: string[] = []
    a.on('error', (e) => {
      errors.push(e.code)
    })
    expect(((await a.connect().catch((e: unknown) => e)) as TidingsError).code).toBe('NOT_AUTHORIZED')
    await pause(100)
    expect(errors).toEqual(['NOT_AUTHORIZED'])
    await own.close()
  })

  it('a refused subscription rejects with SUBSCRIBE_DENIED and leaves the client online', async () => {
    const own = await startDevBroker({
      emulate: { name: 'deny-secret', authorizeSubscribe: (_c, sub) => (sub.topic.startsWith('secret/') ? null : sub) },
    })
    const a = createClient({ broker: own.profile(), transport: tcp() })
    clients.push(a)
    await a.connect()
    const error = (await a
      .subscribe(topic('secret/{x}', text()), {}, () => {})
      .catch((e: unknown) => e)) as TidingsError
    expect(error.code).toBe('SUBSCRIBE_DENIED')
    expect(error.reasonCode).toBe(0x80)
    await a.subscribe(topic('public/{x}', text()), {}, () => {})
    expect(a.state).toBe('online')
    await a.close()
    await own.close()
  })
})
