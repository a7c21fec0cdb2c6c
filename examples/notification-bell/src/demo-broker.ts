import { createClient, type CredentialIssuer, type TidingsClient } from '@tidings/core'
import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { emqxEmulation } from '@tidings/devbroker/emqx'
import { emqx, jwtAuth } from '@tidings/emqx'
import { emqxCredentialIssuer } from '@tidings/emqx/server'
import { tcp } from '@tidings/transport-node'
import { randomBytes } from 'node:crypto'
import { backendGrants } from './grants.js'
import type { PageConfig } from './page-files.js'

/** Options of {@link startDemoBroker}. */
export interface DemoBrokerOptions {
  /** @default '127.0.0.1' */
  host?: string
  /** @default 0 (a free port) */
  tcpPort?: number
  /** @default 0 (a free port) */
  wsPort?: number
  /** WebSocket path. @default '/mqtt' */
  wsPath?: string
  /** The JWT secret shared by issuer and broker (at least 32 bytes). @default 32 random bytes */
  secret?: string
}

/** The embedded broker acting as EMQX with JWT authentication, and the issuer whose tokens it accepts. */
export interface DemoBroker {
  readonly broker: DevBroker
  /** Signs least-privilege JWTs with the broker's secret. */
  readonly issuer: CredentialIssuer
  /** The secret, to start the broker again on the same ports (`startDemoBroker({ secret, … })`). */
  readonly secret: string
  /** What the page needs to connect: the `emqx` profile over WebSocket, MQTT 3.1.1. */
  readonly pageConfig: PageConfig
  /** Connects the backend's own client: a token that may publish to every user's bell topics, and no more. */
  connectBackend(): Promise<TidingsClient>
  close(): Promise<void>
}

/**
 * Starts the devbroker with its EMQX emulation configured as a production EMQX should be: JWT
 * authentication whose `username`/`clientid` claims must match the connection, and `no_match = deny`, so
 * nothing is allowed that a token does not grant. Anonymous clients are refused.
 */
export async function startDemoBroker(options: DemoBrokerOptions = {}): Promise<DemoBroker> {
  const host = options.host ?? '127.0.0.1'
  const secret = options.secret ?? randomBytes(32).toString('base64url')
  const broker = await startDevBroker({
    host,
    tcpPort: options.tcpPort ?? 0,
    wsPort: options.wsPort ?? 0,
    ...(options.wsPath ? { wsPath: options.wsPath } : {}),
    emulate: emqxEmulation({
      secret,
      verifyClaims: { username: '${username}', clientid: '${clientid}' },
      noMatch: 'deny',
    }),
  })
  const issuer = emqxCredentialIssuer({ secret })
  return {
    broker,
    issuer,
    secret,
    pageConfig: { broker: 'emqx', brokerUrl: broker.wsUrl, mqtt5: false },
    async connectBackend() {
      const client = createClient({
        broker: emqx({
          host,
          ports: { mqtt: broker.tcpPort },
          protocolVersion: 4,
          // A fresh token for every (re)connect: the broker drops a connection when its token expires.
          credentials: jwtAuth({
            fetchToken: () => issuer.issue({ userId: 'bell-backend', ...backendGrants(), ttlSeconds: 3600 }),
          }),
        }),
        transport: tcp(),
        reconnect: { baseMs: 200, capMs: 2000 },
      })
      await client.connect()
      return client
    },
    close: () => broker.close(),
  }
}
