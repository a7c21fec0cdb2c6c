import { bytes, createClient, topic } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { apartTopic, stamp } from './protocol.js'
import { PAYLOAD, type SideClient, windowedBatch, withTimeout } from './side.js'

/**
 * tidings through its public API, driven exactly like the raw side: a window of publishes in flight, each
 * settling through its promise where MQTT.js calls back.
 */
export async function tidingsSide(host: string, port: number): Promise<SideClient> {
  const make = () => createClient({ broker: mosquitto({ host, port }), transport: tcp(), reconnect: false })
  const pub = make()
  const sub = make()
  await Promise.all([pub.connect(), sub.connect()])
  const topics = {
    0: topic('bench/cb/tidings/q0', bytes(), { qos: 0 }),
    1: topic('bench/cb/tidings/q1', bytes(), { qos: 1 }),
  } as const
  const rttTopic = topic('bench/cb/tidings/rtt', bytes(), { qos: 1 })
  const apart = topic(apartTopic('tidings'), bytes(), { qos: 1 })
  const onMessage: Record<0 | 1 | 'rtt', () => void> = { 0: () => {}, 1: () => {}, rtt: () => {} }
  await sub.subscribe(topics[0], {}, () => onMessage[0]())
  await sub.subscribe(topics[1], {}, () => onMessage[1]())
  await sub.subscribe(rttTopic, {}, () => onMessage.rtt())

  return {
    batch(qos, count, window, onReceived) {
      const t = topics[qos]
      // Only the way of learning that a publish settled differs from the raw side: the promise's `then`.
      const batch = windowedBatch(`tidings QoS ${qos} batch`, count, window, onReceived, (settled) => {
        pub.publish(t, {}, PAYLOAD).then(settled, settled)
      })
      onMessage[qos] = () => batch.received()
      return batch.promise
    },
    rtt(count) {
      return withTimeout('tidings round trips', async () => {
        const samples: number[] = []
        for (let i = 0; i < count; i++) {
          const arrived = new Promise<void>((resolve) => {
            onMessage.rtt = resolve
          })
          const t0 = performance.now()
          void pub.publish(rttTopic, {}, PAYLOAD)
          await arrived
          samples.push(performance.now() - t0)
        }
        return samples
      })
    },
    send(count) {
      return withTimeout('tidings sends', async () => {
        const stamped = new Uint8Array(PAYLOAD)
        for (let i = 0; i < count; i++) {
          stamp(stamped)
          await pub.publish(apart, {}, stamped)
        }
      })
    },
    async close() {
      await Promise.all([pub.close(), sub.close()])
    },
  }
}
