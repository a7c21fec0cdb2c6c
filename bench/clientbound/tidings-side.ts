import { bytes, createClient, topic } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { completion, PAYLOAD, type SideClient, withTimeout } from './side.js'

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
  const onMessage: Record<0 | 1 | 'rtt', () => void> = { 0: () => {}, 1: () => {}, rtt: () => {} }
  await sub.subscribe(topics[0], {}, () => onMessage[0]())
  await sub.subscribe(topics[1], {}, () => onMessage[1]())
  await sub.subscribe(rttTopic, {}, () => onMessage.rtt())

  return {
    batch(qos, count, window, onReceived) {
      const t = topics[qos]
      const finished = completion(`tidings QoS ${qos} batch`)
      let sent = 0
      let outstanding = 0
      let acked = 0
      let received = 0
      let pumping = false
      const check = (): void => {
        if (received >= count && acked >= count) finished.done()
      }
      onMessage[qos] = () => {
        received++
        onReceived(received)
        check()
      }
      const settled = (): void => {
        outstanding--
        acked++
        check()
        pump()
      }
      // The same pump as the raw side: at most `window` publishes in flight, the next one sent when one
      // settles. Only the way of learning that differs: MQTT.js's callback here is the promise's `then`.
      const pump = (): void => {
        if (pumping) return
        pumping = true
        while (outstanding < window && sent < count) {
          sent++
          outstanding++
          pub.publish(t, {}, PAYLOAD).then(settled, finished.fail)
        }
        pumping = false
      }
      pump()
      return finished.promise
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
    async close() {
      await Promise.all([pub.close(), sub.close()])
    },
  }
}
