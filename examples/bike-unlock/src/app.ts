import { TidingsError, type TidingsClient } from '@tidings/core'
import { bikeCommand, bikeState, type BikeState } from './topics.js'

/** The rider's app: sends a command and waits for the lock's answer to that very command. */
export async function sendCommand(
  client: TidingsClient,
  bikeId: string,
  action: 'unlock' | 'lock',
  riderId: string,
  timeoutMs = 5000,
): Promise<BikeState> {
  const requestId = `${riderId}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
  // Subscribe first, then publish: the answer cannot slip past between the two.
  const answer = client.waitFor(bikeState, { bikeId }, { timeoutMs, where: (s) => s.requestId === requestId })
  await answer.ready
  await client.publish(bikeCommand, { bikeId }, { action, requestId, riderId })
  try {
    return await answer
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
