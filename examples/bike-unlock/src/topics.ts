import { json, topic } from '@tidings/core'

/** What the app asks a lock to do. */
export interface BikeCommand {
  action: 'unlock' | 'lock'
  /** The rider, for the lock's audit log. */
  riderId: string
}

/** What a lock reports: the answer to a command, and (retained) its current state. */
export interface BikeState {
  locked: boolean
  batteryPercent: number
  /** Set when the lock refused the command. */
  refused?: 'battery-low' | 'already-unlocked' | 'already-locked'
}

// A request topic: the command goes to the lock, and the lock's answer comes back to the very app that asked
// (MQTT 5 Response Topic and Correlation Data, or tidings' envelope on 3.1.1). QoS 1: a command must not
// vanish on a flaky mobile network; a duplicate unlock is harmless.
export const bikeCommand = topic('bike/{bikeId}/command', json<BikeCommand>(), { qos: 1, reply: json<BikeState>() })
// Retained, so an app that opens later sees the current state at once.
export const bikeState = topic('bike/{bikeId}/state', json<BikeState>(), { qos: 1, retain: true })
