import { json, topic } from '@tidings/core'

/** What the app asks a lock to do. `requestId` lets the app match the answer to its request. */
export interface BikeCommand {
  action: 'unlock' | 'lock'
  requestId: string
  /** The rider, for the lock's audit log. */
  riderId: string
}

/** What a lock reports. Retained, so an app that opens later sees the current state at once. */
export interface BikeState {
  locked: boolean
  /** The command this state answers, if any. */
  requestId?: string
  batteryPercent: number
  /** Set when the lock refused the command. */
  refused?: 'battery-low' | 'already-unlocked' | 'already-locked'
}

// QoS 1: a command must not vanish on a flaky mobile network; a duplicate unlock is harmless.
export const bikeCommand = topic('bike/{bikeId}/command', json<BikeCommand>(), { qos: 1 })
export const bikeState = topic('bike/{bikeId}/state', json<BikeState>(), { qos: 1, retain: true })
