import { describe, expect, it } from 'vitest'
import { createClient, text, topic, type TidingsError } from '../src/index.js'
import { countingProfile, memoryBroker, settle, type FakeSocket } from './support/memory-broker.js'

// A message no subscription matches is reported, never dropped silently, except while the broker may still
// legitimately deliver it (an UNSUBACK pending) or when a profile listens for it without subscribing.

async function setup(attach?: Parameters<typeof countingProfile>[0] & { listen?: string }) {
  const broker = memoryBroker()
  const profile = countingProfile()
  const listened: string[] = []
  const client = createClient({
    broker: attach?.listen
      ? {
          ...profile,
          attach(session) {
            void session.subscribeRaw(attach.listen!, (_payload, name) => listened.push(name), { listenOnly: true })
          },
        }
      : profile,
    transport: broker.transport,
    keepaliveSeconds: 0,
  })
  const errors: TidingsError[] = []
  client.on('error', (error) => errors.push(error))
  const connected = client.connect()
  const socket = await broker.nextSocket()
  await socket.next('connect')
  socket.connack(0)
  await connected
  return { client, socket, errors, listened }
}

function publish(socket: FakeSocket, name: string, payload = 'secret-payload'): void {
  socket.send({ cmd: 'publish', topic: name, payload: Buffer.from(payload), qos: 0, retain: false, dup: false })
}

describe('unmatched messages', () => {
  it('reports a message no subscription matches with UNMATCHED_MESSAGE, naming the topic, never the payload', async () => {
    const s = await setup()
    const got: string[] = []
    const subscribed = s.client.subscribe(topic('news/{id}', text()), {}, (v) => {
      got.push(v)
    })
    const sub = await s.socket.next('subscribe')
    s.socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [0] })
    await subscribed
    publish(s.socket, 'news/1', 'hello')
    publish(s.socket, 'other/1')
    await settle()
    expect(got).toEqual(['hello'])
    expect(s.errors).toHaveLength(1)
    expect(s.errors[0]).toMatchObject({ code: 'UNMATCHED_MESSAGE', topic: '"other/1"' })
    expect(s.errors[0]!.message).toContain('other/1')
    expect(JSON.stringify({ ...s.errors[0], message: s.errors[0]!.message })).not.toContain('secret-payload')
    await s.client.close({ force: true })
  })

  it('is quiet about messages on a filter whose UNSUBACK is pending, and reports them after it', async () => {
    const s = await setup()
    const subscribed = s.client.subscribe(topic('feed/{id}', text()), {}, () => {})
    const sub = await s.socket.next('subscribe')
    s.socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [0] })
    const subscription = await subscribed
    const unsubscribed = subscription.unsubscribe()
    const unsub = await s.socket.next('unsubscribe')
    publish(s.socket, 'feed/a') // in flight when the broker got the UNSUBSCRIBE
    await settle()
    expect(s.errors).toEqual([])
    s.socket.send({ cmd: 'unsuback', messageId: unsub.messageId, granted: [] })
    await unsubscribed
    publish(s.socket, 'feed/b')
    await settle()
    expect(s.errors.map((e) => [e.code, e.topic])).toEqual([['UNMATCHED_MESSAGE', '"feed/b"']])
    await s.client.close({ force: true })
  })

  it("is quiet about a profile's listen-only route", async () => {
    const s = await setup({ listen: '$SYS/notice' })
    await settle()
    publish(s.socket, '$SYS/notice')
    await settle()
    expect(s.listened).toEqual(['$SYS/notice'])
    expect(s.errors).toEqual([])
    await s.client.close({ force: true })
  })
})
