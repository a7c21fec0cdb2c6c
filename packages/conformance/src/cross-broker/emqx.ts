import { createClient } from '@tidings/core'
import { emqx } from '@tidings/emqx'
import { createEmqxApi, emqxServerPublisher } from '@tidings/emqx/server'
import { websocket } from '@tidings/transport-ws'
import { WebSocket } from 'ws'
import { startEmqxContractServer, startEmqxEmulator } from '../emqx/index.js'
import type { CrossBrokerTarget } from './target.js'

/** The EMQX emulator: JWTs from `emqxCredentialIssuer`, pushes through the REST API contract server. */
export const emqxTarget: CrossBrokerTarget = {
  name: 'emqx emulator (JWT + REST publish)',
  async start() {
    const emulator = await startEmqxEmulator()
    const apiKey = 'cross-broker-key'
    const apiSecret = 'cross-broker-secret'
    try {
      const rest = await startEmqxContractServer({
        broker: emulator.broker,
        emulation: emulator.emulation,
        apiKey,
        apiSecret,
      })
      return {
        issuer: emulator.issuer,
        publisher: emqxServerPublisher(createEmqxApi({ baseUrl: rest.baseUrl, apiKey, apiSecret })),
        deviceClient: (creds) =>
          createClient({
            broker: emqx({
              host: '127.0.0.1',
              ports: { ws: emulator.broker.wsPort },
              clientId: creds.clientId,
              username: creds.username,
              password: creds.password,
              protocolVersion: 4,
            }),
            transport: websocket({ WebSocket }),
            // The emulator (aedes) speaks MQTT 3.1.1.
            protocolVersion: 4,
            reconnect: false,
          }),
        async close() {
          await rest.close()
          await emulator.close()
        },
      }
    } catch (error) {
      await emulator.close()
      throw error
    }
  },
}
