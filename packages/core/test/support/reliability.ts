import { createClient, type ClientOptions, type TidingsError } from '../../src/index.js'
import { countingProfile, manualTimers, memoryBroker } from './memory-broker.js'

/**
 * A client over the in-memory broker with hand-fired timers, recording its errors and states. With
 * `protocolVersion` 5 the broker speaks MQTT 5 and the profile declares it.
 */
export function setup(options: Partial<ClientOptions> = {}, protocolVersion: 4 | 5 = 4) {
  const broker = memoryBroker(protocolVersion)
  const profile = countingProfile({ mqtt5: protocolVersion === 5 })
  const timers = manualTimers()
  const client = createClient({
    broker: profile,
    transport: broker.transport,
    timers,
    keepaliveSeconds: 0,
    reconnect: { baseMs: 1000, capMs: 8000 },
    ...options,
  })
  const errors: TidingsError[] = []
  client.on('error', (error) => errors.push(error))
  const states: Array<{ state: string; error: TidingsError | undefined }> = []
  client.on('state', (state, info) => states.push({ state, error: info.error }))
  return { broker, timers, client, errors, states }
}

export async function online(s: ReturnType<typeof setup>) {
  const connected = s.client.connect()
  const socket = await s.broker.nextSocket()
  await socket.next('connect')
  socket.connack(0)
  await connected
  return socket
}

export const reset = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })

/** A client already online over the in-memory broker, with the far end of its socket. */
export async function connected(options: Partial<ClientOptions> = {}, protocolVersion: 4 | 5 = 4) {
  const s = setup(options, protocolVersion)
  const socket = await online(s)
  return { ...s, socket }
}
