import { bytes, createClient, type TidingsClient, topic } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { connectAsync } from 'mqtt'
import { pause } from '../measure.js'

/** Subscriptions each soak client holds. */
export const SUBSCRIPTIONS = 50

/** One client under test, reconnecting on its own. */
export interface SoakClient {
  /** Resolves on the next reconnection (call before the drop). */
  nextOnline(): Promise<void>
  /** Publishes to subscription `index` until the client receives it (bounded), proving it resubscribed. */
  roundTrip(index: number): Promise<void>
  close(): Promise<void>
}

/** Awaits `promise`, bounded: a cycle that does not come back fails the suite instead of hanging it. */
async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`bench soak: ${what} did not happen within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Publishes every 200 ms until `received` resolves, for at most 5 s. */
async function untilReceived(received: Promise<void>, publish: () => void): Promise<void> {
  let done = false
  void received.then(() => {
    done = true
  })
  for (let i = 0; i < 25 && !done; i++) {
    publish()
    await Promise.race([received, pause(200)])
  }
  if (!done) throw new Error('bench soak: a message to a resubscribed topic did not arrive within 5 s')
}

export async function rawClient(port: number): Promise<SoakClient> {
  const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, reconnectPeriod: 20 })
  let arrived: ((topic: string) => void) | undefined
  client.on('message', (t) => arrived?.(t))
  await client.subscribeAsync(
    Array.from({ length: SUBSCRIPTIONS }, (_, i) => `soak/raw/${i}`),
    { qos: 1 },
  )
  return {
    nextOnline: () =>
      within('raw reconnect', 10_000, new Promise<void>((resolve) => client.once('connect', () => resolve()))),
    roundTrip: (index) => {
      const name = `soak/raw/${index}`
      const received = new Promise<void>((resolve) => {
        arrived = (t) => t === name && resolve()
      })
      return untilReceived(received, () => client.publish(name, 'x', { qos: 0 }))
    },
    close: () => client.endAsync(),
  }
}

export async function tidingsClient(port: number): Promise<SoakClient> {
  const client: TidingsClient = createClient({
    broker: mosquitto({ host: '127.0.0.1', port }),
    transport: tcp(),
    // Short delays: the soak measures what each reconnect leaves behind, not the fleet-friendly backoff.
    reconnect: { baseMs: 20, capMs: 100 },
  })
  await client.connect()
  const topics = Array.from({ length: SUBSCRIPTIONS }, (_, i) => topic(`soak/tidings/${i}`, bytes(), { qos: 1 }))
  let arrived: ((index: number) => void) | undefined
  for (const [i, t] of topics.entries()) await client.subscribe(t, {}, () => arrived?.(i))
  return {
    nextOnline: () =>
      within(
        'tidings reconnect',
        10_000,
        new Promise<void>((resolve) => {
          const off = client.on('state', (state) => {
            if (state !== 'online') return
            off()
            resolve()
          })
        }),
      ),
    roundTrip: (index) => {
      const received = new Promise<void>((resolve) => {
        arrived = (i) => i === index && resolve()
      })
      return untilReceived(received, () => {
        void client.publish(topics[index]!, {}, new Uint8Array([0x78]), { qos: 0 }).catch(() => {})
      })
    },
    close: () => client.close(),
  }
}
