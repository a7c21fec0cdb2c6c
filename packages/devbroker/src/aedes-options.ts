import type { AedesOptions, AuthenticateError } from 'aedes'
import type { DevBrokerOptions } from './broker.js'

/**
 * The aedes hooks of a devbroker: authentication from the `users` table or the emulation, and the
 * emulation's publish, subscribe and forward authorization. aedes wants callbacks; the emulations return
 * values or promises, so each hook adapts one to the other.
 */
export function aedesOptions(options: DevBrokerOptions): AedesOptions {
  const emulation = options.emulate
  const users = options.users
  const out: AedesOptions = {}
  if (emulation?.authenticate || users) {
    out.authenticate = (client, username, password, done) => {
      const check = emulation?.authenticate
        ? emulation.authenticate(client, username, password ?? undefined)
        : {
            ok: users![username ?? ''] !== undefined && users![username ?? ''] === password?.toString('utf8'),
            returnCode: 4 as const,
          }
      Promise.resolve(check).then(
        (result) => {
          if (result.ok) return done(null, true)
          const error = new Error(
            'reason' in result && result.reason ? result.reason : 'not authorized',
          ) as AuthenticateError
          ;(error as { returnCode: number }).returnCode = 'returnCode' in result ? result.returnCode : 5
          done(error, false)
        },
        (cause: unknown) => {
          const error = new Error(cause instanceof Error ? cause.message : 'not authorized') as AuthenticateError
          ;(error as { returnCode: number }).returnCode = 5
          done(error, false)
        },
      )
    }
  }
  if (emulation?.authorizePublish) {
    const authorize = emulation.authorizePublish.bind(emulation)
    out.authorizePublish = (client, packet, done) => {
      Promise.resolve()
        .then(() => authorize(client, packet))
        .then(
          () => done(null),
          (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
        )
    }
  }
  if (emulation?.authorizeSubscribe) {
    const authorize = emulation.authorizeSubscribe.bind(emulation)
    out.authorizeSubscribe = (client, subscription, done) => {
      Promise.resolve()
        .then(() => authorize(client, subscription))
        .then(
          (result) => done(null, result),
          (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
        )
    }
  }
  if (emulation?.authorizeForward) out.authorizeForward = emulation.authorizeForward.bind(emulation)
  return out
}
