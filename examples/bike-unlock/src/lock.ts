import { createClient, type BrokerProfile, type Subscription, type TidingsClient, type Transport } from '@tidings/core'
import { bikeCommand, bikeState, type BikeState } from './topics.js'

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

/** Starts a lock that obeys `bike/<id>/command` and reports on `bike/<id>/state`. */
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
  const sub: Subscription = await client.subscribe(bikeCommand, bike, async (command) => {
    const wantLocked = command.action === 'lock'
    if (state.locked === wantLocked) {
      state = { ...state, requestId: command.requestId, refused: wantLocked ? 'already-locked' : 'already-unlocked' }
    } else if (!wantLocked && state.batteryPercent < 5) {
      state = { ...state, requestId: command.requestId, refused: 'battery-low' }
    } else {
      await new Promise((resolve) => setTimeout(resolve, options.actuationMs ?? 80))
      state = { locked: wantLocked, requestId: command.requestId, batteryPercent: state.batteryPercent }
    }
    await client.publish(bikeState, bike, state)
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
