import type { Packet } from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { createClient, fromMqttError, json, text, topic, type TidingsError } from '../src/index.js'
import { countingProfile, manualTimers, memoryBroker, settle } from './support/memory-broker.js'

// Publishing and unsubscribing over an in-memory socket whose far end the test plays.
const t = topic('outbox/{id}', json<number>(), { qos: 1 })

function setup(protocolVersion: 4 | 5 = 4) {
  const broker = memoryBroker(protocolVersion)
  const timers = manualTimers()
  const client = createClient({
    broker: countingProfile({ mqtt5: protocolVersion === 5 }),
    transport: broker.transport,
    timers,
    keepaliveSeconds: 0,
  })
  const errors: TidingsError[] = []
  client.on('error', (error) => errors.push(error))
  return { broker, timers, client, errors }
}

describe('outbox', () => {
  it('holds publishes made offline and sends them in order once online', async () => {
    const s = setup()
    const sent = [s.client.publish(t, { id: 'a' }, 1), s.client.publish(t, { id: 'b' }, 2)]
    const connected = s.client.connect()
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    socket.connack(0)
    await connected
    const first = await socket.next('publish')
    const second = await socket.next('publish')
    expect([first.topic, second.topic]).toEqual(['outbox/a', 'outbox/b'])
    socket.send({ cmd: 'puback', messageId: first.messageId! })
    socket.send({ cmd: 'puback', messageId: second.messageId! })
    await Promise.all(sent)
    await s.client.close({ force: true })
  })

  it('writes an unacknowledged QoS 1 publish again after a reconnect, exactly once, and resolves on its ack', async () => {
    const s = setup()
    const connected = s.client.connect()
    const first = await s.broker.nextSocket()
    await first.next('connect')
    first.connack(0)
    await connected
    let settled = false
    const sent = s.client.publish(t, { id: 'a' }, 1).then(() => {
      settled = true
    })
    const later = s.client.publish(t, { id: 'b' }, 2)
    await first.next('publish')
    await first.next('publish')
    first.drop()
    await settle()
    // While offline a third publish queues behind the two taken back.
    const third = s.client.publish(t, { id: 'c' }, 3)
    s.timers.fireNext()
    const second = await s.broker.nextSocket()
    await second.next('connect')
    second.connack(0)
    const resent = [await second.next('publish'), await second.next('publish'), await second.next('publish')]
    expect(resent.map((p) => p.topic)).toEqual(['outbox/a', 'outbox/b', 'outbox/c'])
    await settle()
    expect(second.received.filter((p) => p.cmd === 'publish')).toHaveLength(3)
    expect(settled).toBe(false)
    for (const p of resent) second.send({ cmd: 'puback', messageId: p.messageId! })
    await Promise.all([sent, later, third])
    await s.client.close({ force: true })
  })

  it('bounds what waits offline with OFFLINE_QUEUE_FULL', async () => {
    const broker = memoryBroker()
    const client = createClient({ broker: countingProfile(), transport: broker.transport, offlineQueueLimit: 1 })
    const kept = client.publish(t, { id: 'a' }, 1)
    await expect(client.publish(t, { id: 'a' }, 2)).rejects.toMatchObject({ code: 'OFFLINE_QUEUE_FULL' })
    await client.close()
    await expect(kept).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
  })

  it('close() rejects a publish still awaiting its ack instead of leaving it pending', async () => {
    const s = setup()
    const connected = s.client.connect()
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    socket.connack(0)
    await connected
    const sent = s.client.publish(t, { id: 'a' }, 1)
    await socket.next('publish')
    await s.client.close({ force: true })
    await expect(sent).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
  })
})

describe('unsubscribe', () => {
  const n = topic('notes/{id}', text(), { qos: 1 })

  it('reports a refused UNSUBSCRIBE as UNSUBSCRIBE_FAILED, not as a subscribe denial', async () => {
    const s = setup(5)
    const connected = s.client.connect()
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    socket.connack(0)
    await connected
    const subscribed = s.client.subscribe(n, { id: 'a' }, () => {})
    const sub = await socket.next('subscribe')
    socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
    const subscription = await subscribed
    const done = subscription.unsubscribe()
    const unsub = await socket.next('unsubscribe')
    // mqtt-packet writes an MQTT 5 UNSUBACK's reason codes from `granted`, which its types leave out.
    socket.send({ cmd: 'unsuback', messageId: unsub.messageId, granted: [0x87] } as Packet)
    await done
    expect(s.errors).toHaveLength(1)
    expect(s.errors[0]).toMatchObject({ code: 'UNSUBSCRIBE_FAILED', reasonCode: 0x87, topic: 'notes/a' })
    await s.client.close({ force: true })
  })

  it('maps an unsubscribe failure with its own code where it used to say SUBSCRIBE_DENIED', () => {
    const failure = Object.assign(new Error('refused'), { code: 0x80 })
    expect(fromMqttError(failure, { adapter: 'x', operation: 'subscribe', topic: 'a' }).code).toBe('SUBSCRIBE_DENIED')
    expect(fromMqttError(failure, { adapter: 'x', operation: 'unsubscribe', topic: 'a' }).code).toBe(
      'UNSUBSCRIBE_FAILED',
    )
  })

  it('an unsubscribe whose connection drops before UNSUBACK still resolves', async () => {
    const s = setup()
    const connected = s.client.connect()
    const socket = await s.broker.nextSocket()
    await socket.next('connect')
    socket.connack(0)
    await connected
    const subscribed = s.client.subscribe(n, { id: 'a' }, () => {})
    const sub = await socket.next('subscribe')
    socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
    const done = (await subscribed).unsubscribe()
    await socket.next('unsubscribe')
    socket.drop()
    await done
    expect(s.errors).toEqual([])
    await s.client.close({ force: true })
  })
})
