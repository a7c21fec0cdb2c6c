import { TidingsError, type TidingsClient } from '@tidings/core'
import { bikeCommand, type BikeState } from './topics.js'

/** The rider's app: sends a command and resolves with the lock's answer to that very command. */
export async function sendCommand(
  client: TidingsClient,
  bikeId: string,
  action: 'unlock' | 'lock',
  riderId: string,
  timeoutMs = 5000,
): Promise<BikeState> {
  try {
    return await client.request(bikeCommand, { bikeId }, { action, riderId }, { timeoutMs })
  } catch (error) {
    if (error instanceof TidingsError && error.code === 'TIMEOUT') {
      throw new TidingsError(
        'TIMEOUT',
        `bike ${bikeId} did not answer the ${action} command within ${timeoutMs} ms (out of coverage?)`,
        { cause: error },
      )
    }
    throw error
  }
}
