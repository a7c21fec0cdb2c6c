import { describe, expect, it } from 'vitest'
import { createClient, text, topic } from '../src/index.js'
import { countingProfile, memoryBroker } from './support/memory-broker.js'

// QoS 2 on a broker without it is refused for a subscription as it is for a publish, never lowered.
describe('QoS 2 subscriptions', () => {
  async function online(qos2: boolean) {
    const broker = memoryBroker()
    const profile = countingProfile()
    const client = createClient({
      broker: { ...profile, capabilities: { ...profile.capabilities, qos2 } },
      transport: broker.transport,
      keepaliveSeconds: 0,
    })
    const connected = client.connect()
    const socket = await broker.nextSocket()
    await socket.next('connect')
    socket.connack(0)
    await connected
    return { client, socket }
  }
  const exact = topic('orders/{id}', text(), { qos: 2 })

  it('refuses a QoS 2 subscription with UNSUPPORTED on a broker without QoS 2, and sends nothing', async () => {
    const { client, socket } = await online(false)
    await expect(client.subscribe(exact, {}, () => {})).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      topic: 'orders/+',
      message: expect.stringContaining('{ qos: 1 }'),
    })
    // The QoS 1 the message suggests is subscribed as asked.
    const subscribed = client.subscribe(exact, {}, () => {}, { qos: 1 })
    const sub = await socket.next('subscribe')
    expect(sub.subscriptions).toEqual([{ topic: 'orders/+', qos: 1 }])
    socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [1] })
    await subscribed
    expect(socket.received.filter((p) => p.cmd === 'subscribe')).toHaveLength(1)
    await client.close({ force: true })
  })

  it('subscribes at QoS 2 where the broker has it', async () => {
    const { client, socket } = await online(true)
    const subscribed = client.subscribe(exact, {}, () => {})
    const sub = await socket.next('subscribe')
    expect(sub.subscriptions).toEqual([{ topic: 'orders/+', qos: 2 }])
    socket.send({ cmd: 'suback', messageId: sub.messageId, granted: [2] })
    await subscribed
    await client.close({ force: true })
  })
})
