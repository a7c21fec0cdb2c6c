import { TidingsError, type TidingsClient } from '@tidings/core'

/** A command that listens until it is told to stop: `sub` and `respond`. */
export interface Listening {
  /** Ends the command: without an error it exits 0. Later calls change nothing. */
  finish(error?: unknown): void
  /** Settles once finished, with the `--timeout` timer and the signal handlers already removed. */
  ended(): Promise<void>
}

/**
 * What `sub` and `respond` share: they end when `finish()` is called (their `--count` reached), on
 * `--timeout` (a TIMEOUT failure when a count was asked for and not reached), on Ctrl-C or SIGTERM, and with
 * CONNECTION_LOST when the client gives up. `arrived()` reads how many `noun` came, for the timeout message.
 */
export function listenUntil(
  client: TidingsClient,
  options: { count: number | undefined; timeout: number | undefined; noun: string; arrived: () => number },
): Listening {
  const { count, timeout, noun, arrived } = options
  let finish: (error?: unknown) => void = () => {}
  const done = new Promise<void>((resolve, reject) => {
    finish = (error) => (error ? reject(error) : resolve())
  })
  client.on('state', (state) => {
    if (state === 'offline') finish(new TidingsError('CONNECTION_LOST', 'the connection to the broker was lost'))
  })
  return {
    finish: (error) => finish(error),
    async ended() {
      const timer = timeout
        ? setTimeout(() => {
            if (count === undefined) finish()
            else finish(new TidingsError('TIMEOUT', `${arrived()} of ${count} ${noun} arrived within ${timeout} s`))
          }, timeout * 1000)
        : undefined
      const stop = () => finish()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      try {
        await done
      } finally {
        clearTimeout(timer)
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
      }
    },
  }
}
