import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'

/** Connects a raw MQTT.js client (not tidings') with no automatic reconnect; rejects after 5 s. */
export async function connectRaw(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect({ host: '127.0.0.1', port, reconnectPeriod: 0, connectTimeout: 5000, ...options })
  client.on('error', () => {}) // each test listens for the errors it expects
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('close', () => reject(new Error('closed before CONNACK')))
  })
  return client
}

/** The next `event` of `emitter`, or a rejection after `timeoutMs`. */
export function next<T = unknown>(
  emitter: { once(event: string, listener: (...args: never[]) => void): unknown },
  event: string,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs)
    emitter.once(event, ((value: T) => {
      clearTimeout(timer)
      resolve(value)
    }) as (...args: never[]) => void)
  })
}

/** Closes clients without waiting on a dead path. */
export async function endAll(clients: MqttClient[]): Promise<void> {
  await Promise.all(clients.map((c) => new Promise<void>((resolve) => c.end(true, {}, () => resolve()))))
}

/** A QoS 0 PUBLISH packet with the given topic bytes, built by hand so it can be malformed. */
export function rawPublish(topic: string, payload: string): Uint8Array {
  const t = [...Buffer.from(topic)]
  const p = [...Buffer.from(payload)]
  return new Uint8Array([0x30, 2 + t.length + p.length, t.length >> 8, t.length & 0xff, ...t, ...p])
}
