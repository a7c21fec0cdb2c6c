import { createClient, type CredentialIssuer } from '@tidings/core'
import { emqx, jwtAuth } from '@tidings/emqx'
import { mosquittoCredentialIssuer, mosquittoServerPublisher } from '@tidings/mosquitto/server'
import { tcp } from '@tidings/transport-node'
import { connectBackend, startDynsecBroker } from '../mosquitto-server/helpers.js'
import { waitUntil } from '../../src/suite.case.js'
import type { BellPublisher } from '../../src/browser/bell.js'
import { backendGrants, startDemoBroker, type DemoBroker, type PageConfig } from '../../src/browser/workspace.js'

/** A broker the bell runs on, with its issuer and publisher, and how to take it down and bring it back. */
export interface BellBrokerTarget {
  /** The page's broker, with `brokerUrl` the broker's own ws listener. */
  readonly config: PageConfig
  readonly issuer: CredentialIssuer
  readonly publish: BellPublisher
  /** The broker's WebSocket port, for a proxy in front. */
  readonly wsPort: number
  stop(): Promise<void>
  /** Starts the broker again and waits until the backend's connection is back. */
  start(): Promise<void>
  close(): Promise<void>
}

/**
 * Real Mosquitto with dynamic security: `mosquittoCredentialIssuer` issues each page its own dynsec
 * client, and the backend publishes through `mosquittoServerPublisher` on an account that may publish to
 * the bell topics only.
 */
export async function mosquittoBellTarget(): Promise<BellBrokerTarget> {
  const env = await startDynsecBroker()
  const issuer = mosquittoCredentialIssuer(env.dynsec, { sweepIntervalMs: false })
  const connection = await connectBackend(env, backendGrants().publish)
  return {
    config: { broker: 'mosquitto', brokerUrl: `ws://127.0.0.1:${env.broker.wsPort}/mqtt`, mqtt5: true },
    issuer,
    publish: { publisher: mosquittoServerPublisher(connection) },
    wsPort: env.broker.wsPort,
    stop: () => env.broker.stop(),
    async start() {
      await env.broker.start()
      await waitUntil(
        () => connection.connected,
        15_000,
        () => env.broker.log(),
      )
    },
    async close() {
      issuer.close()
      await connection.endAsync(true)
      await env.close()
    },
  }
}

/**
 * The example's demo broker: the devbroker emulating EMQX with JWT authentication and `no_match = deny`.
 * A restart is a new devbroker on the same ports with the same secret.
 */
export async function devbrokerBellTarget(options: { wsPath?: string } = {}): Promise<BellBrokerTarget> {
  let demo: DemoBroker | undefined = await startDemoBroker(options)
  const { tcpPort, wsPort } = demo.broker
  const { secret, issuer, pageConfig } = demo
  // Its own client rather than demo.connectBackend(): the broker is replaced on restart, the client stays.
  const client = createClient({
    broker: emqx({
      host: '127.0.0.1',
      ports: { mqtt: tcpPort },
      protocolVersion: 4,
      credentials: jwtAuth({
        fetchToken: () => issuer.issue({ userId: 'bell-backend', ...backendGrants(), ttlSeconds: 3600 }),
      }),
    }),
    transport: tcp(),
    reconnect: { baseMs: 100, capMs: 1000 },
  })
  await client.connect()
  return {
    config: pageConfig,
    issuer,
    publish: { client },
    wsPort,
    stop: async () => {
      await demo?.close()
      demo = undefined
    },
    async start() {
      demo = await startDemoBroker({ ...options, tcpPort, wsPort, secret })
      await waitUntil(
        () => client.state === 'online',
        15_000,
        () => `backend client is ${client.state}`,
      )
    },
    async close() {
      await client.close({ force: true })
      await demo?.close()
    },
  }
}
