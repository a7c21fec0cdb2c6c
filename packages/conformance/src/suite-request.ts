import { bytes, json, topic, type ClientOptions, type TidingsClient, type TidingsError } from '@tidings/core'
import { expect } from 'vitest'

/** What the request/response case needs from the shared suite. */
export interface RequestCaseContext {
  /** A fresh topic prefix for this test. */
  root(): string
  /** Options for a fresh client of the target. */
  options(): ClientOptions
  /** A client tracked for cleanup. */
  make(options: ClientOptions): TidingsClient
  /** The target's first topic level when it only accepts pre-created parent topics. */
  topicRoot: string | undefined
}

/**
 * `request()`/`respond()` between two clients of one target: a typed round trip whose reply follows the
 * request's QoS, binary bodies, a failing handler (REQUEST_FAILED on the requester) and a request nobody
 * answers (TIMEOUT). MQTT 5 targets use Response Topic and Correlation Data, 3.1.1 targets the envelope.
 */
export async function requestResponseCase(ctx: RequestCaseContext): Promise<void> {
  const root = ctx.root()
  const add = topic(`${root}/{calc}/add`, json<{ a: number; b: number }>(), { qos: 1, reply: json<{ sum: number }>() })
  const flip = topic(`${root}/flip`, bytes(), { qos: 0, reply: bytes() })
  // Brokers that only take topics under pre-created parents get a reply topic there.
  const replyTopic = ctx.topicRoot ? { replyTopic: `${root}/reply` } : {}
  const requester = ctx.make({ ...ctx.options(), ...replyTopic })
  const responder = ctx.make(ctx.options())
  await Promise.all([requester.connect(), responder.connect()])
  const responderErrors: TidingsError[] = []
  responder.on('error', (e) => void responderErrors.push(e))
  const qos: number[] = []
  await responder.respond(add, {}, ({ a, b }, meta) => {
    qos.push(meta.qos)
    if (a < 0) throw new Error(`negative operand on ${meta.params.calc}`)
    return { sum: a + b }
  })
  await responder.respond(flip, {}, (value) => Uint8Array.from(value, (b) => 255 - b))

  await expect(requester.request(add, { calc: 'c1' }, { a: 2, b: 3 })).resolves.toEqual({ sum: 5 })
  expect(qos).toEqual([1])
  const answers = await Promise.all([1, 2, 3].map((i) => requester.request(add, { calc: `c${i}` }, { a: i, b: i })))
  expect(answers).toEqual([{ sum: 2 }, { sum: 4 }, { sum: 6 }])
  const flipped = await requester.request(flip, {}, Uint8Array.of(0x00, 0x54, 0x52, 0x51, 0xff))
  expect([...flipped]).toEqual([0xff, 0xab, 0xad, 0xae, 0x00])

  const failed = await requester.request(add, { calc: 'c9' }, { a: -1, b: 0 }).catch((e: TidingsError) => e)
  expect((failed as TidingsError).code).toBe('REQUEST_FAILED')
  expect((failed as TidingsError).message).toContain('negative operand on c9')
  expect(responderErrors.map((e) => e.code)).toEqual(['HANDLER_FAILED'])

  const nobody = topic(`${root}/nobody`, json<number>(), { qos: 1, reply: json<number>() })
  const started = Date.now()
  await expect(requester.request(nobody, {}, 1, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' })
  expect(Date.now() - started).toBeLessThan(3000)
}
