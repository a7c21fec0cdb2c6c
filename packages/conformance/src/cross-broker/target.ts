import type { CredentialIssuer, IssuedCredentials, ServerPublisher, TidingsClient } from '@tidings/core'

/** One broker, started locally, with its server-side issuer and publisher. */
export interface CrossBrokerEnv {
  readonly issuer: CredentialIssuer
  readonly publisher: ServerPublisher
  /** See {@link PushBackendOptions.clientIdFor}. */
  readonly clientIdFor?: (userId: string) => string | undefined
  /** A device-side client (not yet connected) that logs in with issued credentials. */
  deviceClient(credentials: IssuedCredentials): TidingsClient
  close(): Promise<void>
}

/** An entry of the cross-broker test. */
export interface CrossBrokerTarget {
  readonly name: string
  start(): Promise<CrossBrokerEnv>
}
