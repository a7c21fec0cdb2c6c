import { connectAsync } from 'mqtt'
import { apartTopic, stamp } from './protocol.js'
import { PAYLOAD, type SideClient, windowedBatch, withTimeout } from './side.js'

/** Raw MQTT.js: publish callbacks drive the window, as a backend written against MQTT.js would. */
export async function rawSide(url: string): Promise<SideClient> {
  const [pub, sub] = await Promise.all([
    connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 }),
    connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 }),
  ])
  // At QoS 0 MQTT.js parks each callback on the socket's `drain` event while the buffer is full, so up to
  // `window` listeners wait on it at once.
  pub.stream.setMaxListeners(0)
  let onMessage: (topic: string) => void = () => {}
  sub.on('message', (topic) => onMessage(topic))
  await sub.subscribeAsync('bench/cb/raw/q0', { qos: 0 })
  await sub.subscribeAsync(['bench/cb/raw/q1', 'bench/cb/raw/rtt'], { qos: 1 })
  const buf = Buffer.from(PAYLOAD)

  return {
    batch(qos, count, window, onReceived) {
      const name = `bench/cb/raw/q${qos}`
      const batch = windowedBatch(`raw QoS ${qos} batch`, count, window, onReceived, (settled) =>
        pub.publish(name, buf, { qos }, settled),
      )
      onMessage = (topic) => {
        if (topic === name) batch.received()
      }
      return batch.promise
    },
    rtt(count) {
      return withTimeout('raw round trips', async () => {
        const samples: number[] = []
        for (let i = 0; i < count; i++) {
          const arrived = new Promise<void>((resolve) => {
            onMessage = () => resolve()
          })
          const t0 = performance.now()
          pub.publish('bench/cb/raw/rtt', buf, { qos: 1 })
          await arrived
          samples.push(performance.now() - t0)
        }
        return samples
      })
    },
    send(count) {
      const stamped = Buffer.from(PAYLOAD)
      const next = (left: number, done: (error?: unknown) => void): void => {
        if (left === 0) return done()
        stamp(stamped)
        pub.publish(apartTopic('raw'), stamped, { qos: 1 }, (error) => (error ? done(error) : next(left - 1, done)))
      }
      return withTimeout(
        'raw sends',
        () => new Promise<void>((resolve, reject) => next(count, (e) => (e ? reject(e) : resolve()))),
      )
    },
    async close() {
      await Promise.all([pub.endAsync(), sub.endAsync()])
    },
  }
}
