import { createClient, type BrokerProfile, type Subscription, type TidingsClient, type Transport } from '@tidings/core'
import { bikeCommand, bikeState, type BikeCommand, type BikeState } from './topics.js'

/** A simulated smart lock: one MQTT client per bike, like the real hardware. */
export interface SimulatedLock {
  readonly bikeId: string
  readonly client: TidingsClient
  stop(): Promise<void>
}

export interface LockOptions {
  bikeId: string
  broker: BrokerProfile
  transport: Transport
  protocolVersion?: 4 | 5
  batteryPercent?: number
  /** How long the motor takes. @default 80 */
  actuationMs?: number
}

/** Starts a lock that answers commands on `bike/<id>/command` and keeps `bike/<id>/state` current. */
export async function startLock(options: LockOptions): Promise<SimulatedLock> {
  const client = createClient({
    broker: options.broker,
    transport: options.transport,
    ...(options.protocolVersion ? { protocolVersion: options.protocolVersion } : {}),
  })
  await client.connect()
  let state: BikeState = { locked: true, batteryPercent: options.batteryPercent ?? 87 }
  const bike = { bikeId: options.bikeId }
  await client.publish(bikeState, bike, state)
  const act = async (command: BikeCommand): Promise<BikeState> => {
    const wantLocked = command.action === 'lock'
    if (state.locked === wantLocked) return { ...state, refused: wantLocked ? 'already-locked' : 'already-unlocked' }
    if (!wantLocked && state.batteryPercent < 5) return { ...state, refused: 'battery-low' }
    await new Promise((resolve) => setTimeout(resolve, options.actuationMs ?? 80))
    state = { locked: wantLocked, batteryPercent: state.batteryPercent }
    await client.publish(bikeState, bike, state)
    return state
  }
  // One motor: commands run one after another, so two riders' unlocks cannot both see the lock closed.
  let motor: Promise<unknown> = Promise.resolve()
  // Each answer goes to the reply topic of the app that sent the command.
  const sub: Subscription = await client.respond(bikeCommand, bike, (command) => {
    const answer = motor.then(() => act(command))
    motor = answer.catch(() => {})
    return answer
  })
  return {
    bikeId: options.bikeId,
    client,
    async stop() {
      await sub.unsubscribe()
      await client.close()
    },
  }
}
