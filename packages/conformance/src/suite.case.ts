import {
  bytes,
  createClient,
  isTidingsError,
  json,
  text,
  topic,
  type BrokerProfile,
  type ClientOptions,
  type ClientState,
  type TidingsClient,
  type TidingsError,
  type Transport,
} from '@tidings/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { collect, pause, waitUntil } from './suite-helpers.js'
import { requestResponseCase } from './suite-request.js'
import type { ConformanceTarget, TestName } from './suite-target.js'

export { pause, waitUntil } from './suite-helpers.js'
export { CONFORMANCE_TESTS, type ConformanceTarget } from './suite-target.js'

// Short: some brokers cap topics at 64 characters.
const runId = Math.random().toString(36).slice(2, 7)

/** Runs the shared behaviour tests against one target. Call inside a test file. */
export function describeConformance(name: string, setup: () => Promise<ConformanceTarget>): void {
  describe(`conformance: ${name}`, () => {
    let target: ConformanceTarget
    const clients: TidingsClient[] = []
    let n = 0

    beforeAll(async () => {
      target = await setup()
    })
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
    })
    afterAll(async () => {
      await target?.teardown()
    })

    const root = (): string => `${target.topicRoot ?? 'tidings'}/${runId}/${++n}`
    /** A client with fast reconnects, tracked for cleanup. */
    const make = (options: ClientOptions = target.client()): TidingsClient => {
      const client = createClient({ reconnect: { baseMs: 50, capMs: 400 }, connectTimeoutMs: 5000, ...options })
      clients.push(client)
      return client
    }
    const test = (title: TestName, fn: () => Promise<void>, needs?: () => string | undefined): void => {
      it(title, async (ctx) => {
        const skipped = target.skip?.find((s) => s.tests.includes(title))
        if (skipped) return ctx.skip(skipped.reason)
        const missing = needs?.()
        if (missing) return ctx.skip(missing)
        await fn()
      })
    }

    test('connects and reports online', async () => {
      const client = make()
      const states: ClientState[] = []
      client.on('state', (s) => {
        states.push(s)
      })
      await client.connect()
      expect(client.state).toBe('online')
      expect(states).toEqual(['connecting', 'online'])
      expect(client.clientId).toBeTruthy()
    })

    for (const qos of [0, 1, 2] as const) {
      test(
        `QoS ${qos} round trip` as TestName,
        async () => {
          const t = topic(`${root()}/{device}/state`, json<{ n: number; qos: number }>(), { qos })
          const [pub, sub] = [make(), make()]
          await Promise.all([pub.connect(), sub.connect()])
          const got = collect<{ n: number; qos: number }>()
          await sub.subscribe(t, { device: 'd1' }, got.push)
          for (let i = 0; i < 5; i++) await pub.publish(t, { device: 'd1' }, { n: i, qos })
          await got.until(5)
          expect(got.values.map((v) => v.n)).toEqual([0, 1, 2, 3, 4])
          expect(got.metas.every((m) => m.qos === qos && m.params.device === 'd1')).toBe(true)
        },
        () => (qos === 2 && !target.capabilities.qos2 ? 'broker has no QoS 2' : undefined),
      )
    }

    test('omitted params become wildcards and come back in meta.params', async () => {
      const t = topic(`${root()}/{user}/{kind}`, text(), { qos: 1 })
      const [pub, sub] = [make(), make()]
      await Promise.all([pub.connect(), sub.connect()])
      const got = collect<string>()
      const subscription = await sub.subscribe(t, { kind: 'like' }, got.push)
      expect(subscription.filter.endsWith('/+/like')).toBe(true)
      await pub.publish(t, { user: 'ann', kind: 'like' }, 'a')
      await pub.publish(t, { user: 'bob', kind: 'follow' }, 'skip me')
      await pub.publish(t, { user: 'bob', kind: 'like' }, 'b')
      await got.until(2)
      await pause(100)
      expect(got.values).toEqual(['a', 'b'])
      expect(got.metas.map((m) => m.params)).toEqual([
        { user: 'ann', kind: 'like' },
        { user: 'bob', kind: 'like' },
      ])
    })

    test(
      'retained message reaches a later subscriber',
      async () => {
        const t = topic(`${root()}/{user}/unread`, json<number>(), { qos: 1, retain: true })
        const pub = make()
        await pub.connect()
        await pub.publish(t, { user: 'u1' }, 7)
        const sub = make()
        await sub.connect()
        const got = collect<number>()
        await sub.subscribe(t, { user: 'u1' }, got.push)
        await got.until(1)
        expect(got.values).toEqual([7])
        expect(got.metas[0]!.retain).toBe(true)
        // Clear it: an empty retained payload deletes the retained message.
        await pub.publish(topic(t.template, bytes(), { qos: 1, retain: true }), { user: 'u1' }, new Uint8Array())
      },
      () => (target.capabilities.retain ? undefined : 'broker has no retained messages'),
    )

    test('unsubscribe stops delivery', async () => {
      const t = topic(`${root()}/x`, text(), { qos: 1 })
      const [pub, sub] = [make(), make()]
      await Promise.all([pub.connect(), sub.connect()])
      const got = collect<string>()
      const subscription = await sub.subscribe(t, {}, got.push)
      await pub.publish(t, {}, 'one')
      await got.until(1)
      await subscription.unsubscribe()
      await pub.publish(t, {}, 'two')
      // A marker through a second subscription proves the broker processed 'two' before we look.
      const marker = topic(`${t.template}-marker`, text(), { qos: 1 })
      const markers = collect<string>()
      await sub.subscribe(marker, {}, markers.push)
      await pub.publish(marker, {}, 'm')
      await markers.until(1)
      expect(got.values).toEqual(['one'])
    })

    test(
      'a persistent session delivers what was published while the client was away',
      async () => {
        const t = topic(`${root()}/{id}`, json<number>(), { qos: 1 })
        // One client id for both connections: the session belongs to it.
        const options: ClientOptions = { ...target.client(), session: { persistent: true, expirySeconds: 300 } }
        const first = make(options)
        await first.connect()
        await first.subscribe(t, { id: 'a' }, () => {})
        await first.close()
        const pub = make()
        await pub.connect()
        await Promise.all([1, 2, 3].map((i) => pub.publish(t, { id: 'a' }, i)))
        const got: number[] = []
        const second = make(options)
        // Registered before connecting, so what the session delivers right after CONNACK has a handler.
        const subscribed = second.subscribe(t, { id: 'a' }, (v) => void got.push(v))
        await second.connect()
        await subscribed
        await expect.poll(() => got, { timeout: 3000 }).toEqual([1, 2, 3])
      },
      () => (target.capabilities.persistentSession ? undefined : 'the broker does not keep sessions'),
    )

    test('reconnects after the broker drops it and restores subscriptions', async () => {
      const t = topic(`${root()}/{device}/cmd`, json<string>(), { qos: 1 })
      const sub = make()
      const states: ClientState[] = []
      sub.on('state', (s) => {
        states.push(s)
      })
      await sub.connect()
      const got = collect<string>()
      await sub.subscribe(t, {}, got.push)
      await target.dropConnections()
      await waitUntil(
        () => sub.state === 'online' && states.includes('reconnecting'),
        15_000,
        () => `state ${sub.state}`,
      )
      const pub = make()
      await pub.connect()
      // The restored SUBSCRIBE may still be in flight: publish until one arrives (bounded).
      for (let i = 0; i < 50 && got.values.length === 0; i++) {
        await pub.publish(t, { device: 'd9' }, `after-${i}`)
        await pause(100)
      }
      expect(got.values[0]).toMatch(/^after-/)
      expect(got.metas[0]!.params).toEqual({ device: 'd9' })
    })

    test('fetches credentials again before reconnecting', async () => {
      const options = target.client()
      const calls: number[] = []
      const broker: BrokerProfile = {
        ...options.broker,
        connectOptions: (ctx) => {
          calls.push(ctx.attempt)
          return options.broker.connectOptions(ctx)
        },
      }
      const client = make({ ...options, broker })
      await client.connect()
      expect(calls).toEqual([0])
      await target.dropConnections()
      await waitUntil(
        () => client.state === 'online' && calls.length >= 2,
        15_000,
        () => `state ${client.state}, calls ${calls}`,
      )
      expect(calls[0]).toBe(0)
      expect(calls.slice(1).every((a) => a >= 1)).toBe(true)
    })

    test(
      'refused credentials give NOT_AUTHORIZED after exactly one attempt',
      async () => {
        const bad = target.badClient
        if (!('call' in bad)) throw new Error('unreachable: skipped above')
        const options = bad()
        let opens = 0
        const transport: Transport = {
          ...options.transport,
          open: (endpoint, opts) => {
            opens++
            return options.transport.open(endpoint, opts)
          },
        }
        const client = make({ ...options, transport })
        const error = await client.connect().then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(isTidingsError(error)).toBe(true)
        expect((error as TidingsError).code).toBe('NOT_AUTHORIZED')
        expect(client.state).toBe('offline')
        await pause(600)
        expect(opens).toBe(1)
      },
      () => ('reason' in target.badClient ? target.badClient.reason : undefined),
    )

    test('invalid payload raises INVALID_PAYLOAD and delivery continues', async () => {
      const template = `${root()}/{id}/data`
      const typed = topic(template, json<{ ok: boolean }>(), { qos: 1 })
      const raw = topic(template, text(), { qos: 1 })
      const [pub, sub] = [make(), make()]
      await Promise.all([pub.connect(), sub.connect()])
      const errors: TidingsError[] = []
      sub.on('error', (e) => {
        errors.push(e)
      })
      const got = collect<{ ok: boolean }>()
      await sub.subscribe(typed, {}, got.push)
      await pub.publish(raw, { id: 'a' }, '{not json')
      await pub.publish(typed, { id: 'b' }, { ok: true })
      await got.until(1)
      expect(got.values).toEqual([{ ok: true }])
      expect(errors.map((e) => e.code)).toEqual(['INVALID_PAYLOAD'])
      expect(errors[0]!.topic).toBe(typed.name({ id: 'a' }))
      expect(sub.state).toBe('online')
    })

    test('invalid params are refused with INVALID_TOPIC', async () => {
      const t = topic(`${root()}/{user}/inbox`, text())
      const client = make()
      await client.connect()
      for (const user of ['a/b', '+', '#', '']) {
        const error = await client.publish(t, { user }, 'x').then(
          () => undefined,
          (e: unknown) => e,
        )
        expect((error as TidingsError).code, `user=${JSON.stringify(user)}`).toBe('INVALID_TOPIC')
        const subError = await client
          .subscribe(t, { user }, () => {})
          .then(
            () => undefined,
            (e: unknown) => e,
          )
        expect((subError as TidingsError).code, `user=${JSON.stringify(user)}`).toBe('INVALID_TOPIC')
      }
      expect(client.state).toBe('online')
    })

    test('request/response: typed reply, error reply and timeout', () =>
      requestResponseCase({ root, options: () => target.client(), make, topicRoot: target.topicRoot }))
  })
}
