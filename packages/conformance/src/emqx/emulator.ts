import { emqxCredentialIssuer } from '@tidings/emqx/server'
import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { emqxEmulation, type EmqxEmulation, type EmqxEmulationOptions } from '@tidings/devbroker/emqx'
import type { CredentialIssuer } from '@tidings/core'

/** The `verify_claims` EMQX deployments should use: a token only works under its own user name and client id. */
export const EMQX_VERIFY_CLAIMS: Readonly<Record<string, string>> = Object.freeze({
  username: '${username}',
  clientid: '${clientid}',
})

/** A devbroker emulating EMQX JWT auth, with the matching issuer. */
export interface EmqxEmulator {
  readonly broker: DevBroker
  readonly emulation: EmqxEmulation
  /** The shared HMAC secret. */
  readonly secret: string
  /** Issues tokens this broker accepts (list-format ACL). */
  readonly issuer: CredentialIssuer
  close(): Promise<void>
}

/** Starts a devbroker that behaves like EMQX with `verify_claims` on; options override the emulation's. */
export async function startEmqxEmulator(options: Partial<EmqxEmulationOptions> = {}): Promise<EmqxEmulator> {
  const secret = `test-secret-${Math.random().toString(36).slice(2)}-padding-to-32-bytes`
  const emulation = emqxEmulation({ secret, verifyClaims: { ...EMQX_VERIFY_CLAIMS }, ...options })
  const broker = await startDevBroker({ emulate: emulation })
  return { broker, emulation, secret, issuer: emqxCredentialIssuer({ secret }), close: () => broker.close() }
}
