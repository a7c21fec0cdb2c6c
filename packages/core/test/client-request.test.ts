import { afterEach, describe, expect, it, vi } from 'vitest'
import { wrapReply, wrapRequest, unwrapReply, unwrapRequest } from '../src/client/request-envelope.js'
import { bytes, createClient, json, topic, type TidingsError } from '../src/index.js'
import { countingProfile, manualTimers, memoryBroker, settle, type FakeSocket } from './support/memory-broker.js'
import { connected } from './support/reliability.js'

const unlock = topic('bike/{bikeId}/unlock', json<{ user: string }>(), { qos: 1, reply: json<{ ok: boolean }>() })
const text = (value: unknown): Buffer => Buffer.from(JSON.stringify(value))

/** Sends a request, acknowledges the reply topic's SUBSCRIBE, and returns the request PUBLISH. */
async function sent(socket: FakeSocket) {
  const sub = await socket.next('subscribe')
  socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
  const publish = await socket.next('publish')
  if (publish.messageId !== undefined) socket.send({ cmd: 'puback', messageId: publish.messageId })
  return { sub, publish, filter: sub.subscriptions[0]!.topic }
}

/** A 3.1.1 reply to a request PUBLISH, as a responder would send it. */
function replyTo(socket: FakeSocket, publish: { payload: Buffer | string }, body: Uint8Array, error?: string) {
  const request = unwrapRequest(publish.payload as Buffer)!
  const payload = Buffer.from(wrapReply(request.correlation, body, error))
  socket.send({ cmd: 'publish', topic: request.replyTopic, payload, qos: 0, retain: false, dup: false })
}

afterEach(() => vi.unstubAllGlobals())

describe('request() on MQTT 3.1.1', () => {
  it('wraps the request, subscribes the reply topic once and resolves with the decoded reply', async () => {
    const s = await connected()
    const first = s.client.request(unlock, { bikeId: 'b1' }, { user: 'u1' })
    const { publish, filter } = await sent(s.socket)
    expect(filter).toMatch(/^tidings\/reply\/[0-9a-f]{24}$/)
    expect(publish.topic).toBe('bike/b1/unlock')
    expect(publish.qos).toBe(1)
    const request = unwrapRequest(publish.payload as Buffer)!
    expect(request.replyTopic).toBe(filter)
    expect(request.correlation.length).toBe(16)
    expect(JSON.parse(Buffer.from(request.body).toString())).toEqual({ user: 'u1' })
    replyTo(s.socket, publish, text({ ok: true }))
    await expect(first).resolves.toEqual({ ok: true })
    // A second request reuses the subscription and gets a fresh correlation id.
    const second = s.client.request(unlock, { bikeId: 'b2' }, { user: 'u1' })
    const next = await s.socket.next('publish')
    expect(s.socket.received.filter((p) => p.cmd === 'subscribe')).toHaveLength(1)
    const again = unwrapRequest(next.payload as Buffer)!
    expect(Buffer.from(again.correlation).equals(Buffer.from(request.correlation))).toBe(false)
    replyTo(s.socket, next, text({ ok: false }))
    await expect(second).resolves.toEqual({ ok: false })
    expect(s.timers.pending()).toBe(0)
    await s.client.close({ force: true })
  })

  it('the first reply wins; a duplicate is reported as DUPLICATE_REPLY and never resolves twice', async () => {
    const s = await connected()
    const done = s.client.request(unlock, { bikeId: 'b1' }, { user: 'u' })
    const { publish } = await sent(s.socket)
    replyTo(s.socket, publish, text({ ok: true }))
    replyTo(s.socket, publish, text({ ok: false }))
    await expect(done).resolves.toEqual({ ok: true })
    await settle()
    expect(s.errors.map((e) => e.code)).toEqual(['DUPLICATE_REPLY'])
    await s.client.close({ force: true })
  })

  it("rejects with REQUEST_FAILED carrying the responder's message, redacted and cut short", async () => {
    const s = await connected()
    const done = s.client.request(unlock, { bikeId: 'b1' }, { user: 'u' })
    const { publish } = await sent(s.socket)
    replyTo(s.socket, publish, new Uint8Array(0), `lock jammed, see mqtt://admin:hunter2@10.0.0.1 ${'x'.repeat(500)}`)
    const error: TidingsError = await done.catch((e) => e)
    expect(error.code).toBe('REQUEST_FAILED')
    expect(error.message).toContain('lock jammed')
    expect(error.message).not.toContain('hunter2')
    expect(error.message.length).toBeLessThan(400)
    await s.client.close({ force: true })
  })

  it('rejects with INVALID_PAYLOAD when the reply does not decode', async () => {
    const s = await connected()
    const done = s.client.request(unlock, { bikeId: 'b1' }, { user: 'u' })
    const { publish } = await sent(s.socket)
    replyTo(s.socket, publish, Buffer.from('not json'))
    await expect(done).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' })
    expect(s.timers.pending()).toBe(0)
    await s.client.close({ force: true })
  })

  it('rejects with TIMEOUT, leaving no timer behind; a late reply is reported, not resolved', async () => {
    const s = await connected()
    const done = s.client.request(unlock, { bikeId: 'b1' }, { user: 'u' }, { timeoutMs: 500 })
    const { publish } = await sent(s.socket)
    expect(s.timers.delays).toContain(500)
    s.timers.fireNext()
    await expect(done).rejects.toMatchObject({ code: 'TIMEOUT', topic: 'bike/b1/unlock' })
    expect(s.timers.pending()).toBe(0)
    replyTo(s.socket, publish, text({ ok: true }))
    await settle()
    expect(s.errors.map((e) => e.code)).toEqual(['DUPLICATE_REPLY'])
    await s.client.close({ force: true })
  })

  it('rejects with ABORTED when aborted, before or after sending', async () => {
    const s = await connected()
    const early = new AbortController()
    early.abort()
    await expect(
      s.client.request(unlock, { bikeId: 'b' }, { user: 'u' }, { signal: early.signal }),
    ).rejects.toMatchObject({
      code: 'ABORTED',
    })
    const late = new AbortController()
    const done = s.client.request(unlock, { bikeId: 'b' }, { user: 'u' }, { signal: late.signal })
    await sent(s.socket)
    late.abort()
    await expect(done).rejects.toMatchObject({ code: 'ABORTED' })
    expect(s.timers.pending()).toBe(0)
    await s.client.close({ force: true })
  })

  it('rejects pending requests with CLIENT_CLOSED on close, and later ones at once', async () => {
    const s = await connected()
    const done = s.client.request(unlock, { bikeId: 'b' }, { user: 'u' })
    await sent(s.socket)
    await s.client.close({ force: true })
    await expect(done).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
    await expect(s.client.request(unlock, { bikeId: 'b' }, { user: 'u' })).rejects.toMatchObject({
      code: 'CLIENT_CLOSED',
    })
    expect(s.timers.pending()).toBe(0)
  })

  it('restores the reply subscription after a reconnect, so a request sent offline still gets its answer', async () => {
    const s = await connected()
    const first = s.client.request(unlock, { bikeId: 'b' }, { user: 'u' })
    const { publish, filter } = await sent(s.socket)
    replyTo(s.socket, publish, text({ ok: true }))
    await first
    s.socket.drop()
    await settle()
    const offline = s.client.request(unlock, { bikeId: 'c' }, { user: 'u' })
    s.timers.fireNext() // the reconnect backoff
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    socket.connack(0)
    const again = await sent(socket)
    expect(again.filter).toBe(filter)
    replyTo(socket, again.publish, text({ ok: true }))
    await expect(offline).resolves.toEqual({ ok: true })
    await s.client.close({ force: true })
  })

  it('bounds the requests waiting for a reply', async () => {
    const s = await connected()
    const waiting = Array.from({ length: 1000 }, (_, i) =>
      s.client.request(unlock, { bikeId: `b${i}` }, { user: 'u' }).catch((e: TidingsError) => e.code),
    )
    await expect(s.client.request(unlock, { bikeId: 'x' }, { user: 'u' })).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
    })
    await s.client.close({ force: true })
    expect(new Set(await Promise.all(waiting))).toEqual(new Set(['CLIENT_CLOSED']))
  })

  it('a request topic defaults to QoS 1, and its reply codec must be a codec', () => {
    expect(topic('q', json<number>(), { reply: json<number>() }).qos).toBe(1)
    expect(topic('q', json<number>(), { qos: 0, reply: json<number>() }).qos).toBe(0)
    expect(topic('q', json<number>()).qos).toBe(0)
    expect(() => topic('q', json<number>(), { reply: {} as never })).toThrow(/reply of "q" must be a codec/)
  })

  it('refuses a topic without a reply codec, a bad timeout and a reply topic the profile forbids', async () => {
    const s = await connected()
    const plain = topic('p', json<number>())
    // @ts-expect-error a plain topic has no reply codec
    await expect(s.client.request(plain, {}, 1)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    await expect(s.client.request(unlock, { bikeId: 'b' }, { user: 'u' }, { timeoutMs: -1 })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    })
    await s.client.close({ force: true })
    const profile = {
      ...countingProfile(),
      validateTopic: (name: string) => {
        if (name.startsWith('tidings/')) throw new Error('topics must start with the product key')
      },
    }
    const client = createClient({ broker: profile, transport: memoryBroker().transport, timers: manualTimers() })
    const error: TidingsError = await client.request(unlock, { bikeId: 'b' }, { user: 'u' }).catch((e) => e)
    expect(error.code).toBe('UNSUPPORTED')
    expect(error.message).toContain('product key')
    expect(error.message).toContain('replyTopic')
    await client.close()
  })

  it('uses the injected random source, and says UNSUPPORTED when the platform has none', async () => {
    const random = vi.fn((into: Uint8Array) => into.fill(7))
    const s = await connected({ randomBytes: random, replyTopic: 'replies/memory-client' })
    const done = s.client.request(unlock, { bikeId: 'b' }, { user: 'u' })
    const { publish, filter } = await sent(s.socket)
    expect(filter).toBe('replies/memory-client')
    expect([...unwrapRequest(publish.payload as Buffer)!.correlation]).toEqual(new Array(16).fill(7))
    replyTo(s.socket, publish, text({ ok: true }))
    await done
    await s.client.close({ force: true })
    vi.stubGlobal('crypto', undefined)
    const bare = await connected()
    await expect(bare.client.request(unlock, { bikeId: 'b' }, { user: 'u' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    })
    await bare.client.close({ force: true })
  })
})

describe('respond() on MQTT 3.1.1', () => {
  const echo = topic('echo/{id}', bytes(), { qos: 1, reply: bytes() })

  async function responding(handler: (value: Uint8Array) => Uint8Array | Promise<Uint8Array>) {
    const s = await connected()
    const subscribed = s.client.respond(echo, {}, handler)
    const sub = await s.socket.next('subscribe')
    expect(sub.subscriptions[0]).toMatchObject({ topic: 'echo/+', qos: 1 })
    s.socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
    await subscribed
    return s
  }

  const request = (socket: FakeSocket, body: Uint8Array, qos: 0 | 1 = 1) =>
    socket.send({
      cmd: 'publish',
      topic: 'echo/7',
      payload: Buffer.from(wrapRequest(Uint8Array.of(9, 9), 'r/1', body)),
      qos,
      retain: false,
      dup: false,
      ...(qos ? { messageId: 40 } : {}),
    })

  it('answers on the reply topic, with the correlation and QoS of the request, binary bodies untouched', async () => {
    const s = await responding((value) => Uint8Array.from(value, (b) => 255 - b))
    request(s.socket, Uint8Array.of(0, 1, 0xfe))
    const reply = await s.socket.next('publish')
    expect(reply.topic).toBe('r/1')
    expect(reply.qos).toBe(1)
    const frame = unwrapReply(reply.payload as Buffer)!
    expect([...frame.correlation]).toEqual([9, 9])
    expect([...frame.body]).toEqual([255, 254, 1])
    await s.client.close({ force: true })
  })

  it('sends an error reply with the message only (no stack) when the handler throws, and reports it', async () => {
    const s = await responding(() => {
      throw new Error('motor stalled')
    })
    request(s.socket, Uint8Array.of(1), 0)
    const reply = await s.socket.next('publish')
    expect(reply.qos).toBe(0)
    const frame = unwrapReply(reply.payload as Buffer)!
    expect(frame.error).toBe('motor stalled')
    expect(s.errors.map((e) => e.code)).toEqual(['HANDLER_FAILED'])
    await s.client.close({ force: true })
  })

  it('reports a plain publish on the request topic and does not answer it', async () => {
    const s = await responding((value) => value)
    s.socket.send({ cmd: 'publish', topic: 'echo/7', payload: Buffer.from('hi'), qos: 0, retain: false, dup: false })
    await settle()
    expect(s.errors.map((e) => e.code)).toEqual(['INVALID_PAYLOAD'])
    expect(s.socket.received.filter((p) => p.cmd === 'publish')).toHaveLength(0)
    await s.client.close({ force: true })
  })
})

describe('request/respond on MQTT 5', () => {
  async function v5() {
    const broker = memoryBroker(5)
    const timers = manualTimers()
    const client = createClient({ broker: countingProfile({ mqtt5: true }), transport: broker.transport, timers })
    const errors: TidingsError[] = []
    client.on('error', (e) => errors.push(e))
    const connecting = client.connect()
    const socket = await broker.nextSocket()
    await socket.next('connect')
    socket.connack(0)
    await connecting
    return { client, socket, timers, errors }
  }

  it('sends Response Topic and Correlation Data, and reads the reply by its Correlation Data', async () => {
    const s = await v5()
    const done = s.client.request(unlock, { bikeId: 'b1' }, { user: 'u' })
    const { publish, filter } = await sent(s.socket)
    expect(JSON.parse(publish.payload.toString())).toEqual({ user: 'u' })
    const properties = publish.properties!
    expect(properties.responseTopic).toBe(filter)
    expect(properties.correlationData).toHaveLength(16)
    const reply = (payload: Buffer, userProperties?: Record<string, string>) =>
      s.socket.send({
        cmd: 'publish',
        topic: filter,
        payload,
        qos: 0,
        retain: false,
        dup: false,
        properties: { correlationData: properties.correlationData!, ...(userProperties ? { userProperties } : {}) },
      })
    reply(text({ ok: true }))
    await expect(done).resolves.toEqual({ ok: true })
    const failing = s.client.request(unlock, { bikeId: 'b1' }, { user: 'u' })
    const next = await s.socket.next('publish')
    s.socket.send({ cmd: 'puback', messageId: next.messageId! })
    s.socket.send({
      cmd: 'publish',
      topic: filter,
      payload: Buffer.alloc(0),
      qos: 0,
      retain: false,
      dup: false,
      properties: { correlationData: next.properties!.correlationData!, userProperties: { 'tidings-error': 'busy' } },
    })
    await expect(failing).rejects.toMatchObject({ code: 'REQUEST_FAILED' })
    await s.client.close({ force: true })
  })

  it('answers a request carrying a Response Topic, echoing its Correlation Data', async () => {
    const s = await v5()
    const subscribed = s.client.respond(unlock, { bikeId: 'b1' }, (value, meta) => ({
      ok: value.user === meta.params.bikeId,
    }))
    const sub = await s.socket.next('subscribe')
    s.socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
    await subscribed
    s.socket.send({
      cmd: 'publish',
      topic: 'bike/b1/unlock',
      payload: text({ user: 'b1' }),
      qos: 0,
      retain: false,
      dup: false,
      properties: { responseTopic: 'r/9', correlationData: Buffer.from('abc') },
    })
    const reply = await s.socket.next('publish')
    expect(reply.topic).toBe('r/9')
    expect(reply.properties?.correlationData?.toString()).toBe('abc')
    expect(JSON.parse(reply.payload.toString())).toEqual({ ok: true })
    await s.client.close({ force: true })
  })
})
