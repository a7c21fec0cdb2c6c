import type { ClientOptions } from '@tidings/core'
import { emqx, jwtAuth } from '@tidings/emqx'
import { emqxCredentialIssuer } from '@tidings/emqx/server'
import { websocket } from '@tidings/transport-ws'
import { WebSocket } from 'ws'
import { describeConformance } from '../../src/index.js'
import { startEmqxEmulator } from '../../src/emqx/index.js'

// The shared suite against the EMQX emulator: the real `emqx()` profile with EMQX's capability flags,
// browser-style over WebSocket with a fresh JWT per connect. Only the protocol version differs from
// production: aedes speaks MQTT 3.1.1.
describeConformance('emqx emulator (ws + jwtAuth)', async () => {
  const emu = await startEmqxEmulator()
  let user = 0
  const options = (issue: () => ReturnType<typeof emu.issuer.issue>): ClientOptions => ({
    broker: emqx({ host: '127.0.0.1', ports: { ws: emu.broker.wsPort }, credentials: jwtAuth({ fetchToken: issue }) }),
    transport: websocket({ WebSocket }),
    protocolVersion: 4,
  })
  // The client id is part of the grant (EMQX binds a JWT to it), and fixed per client() call: each token
  // fetched for that client names the same id, so a persistent session can resume.
  const grant = () => {
    const userId = `u${++user}`
    return { userId, clientId: `conf-${userId}`, subscribe: ['tidings/#'], publish: ['tidings/#'], ttlSeconds: 600 }
  }
  const forged = emqxCredentialIssuer({ secret: 'a-secret-the-broker-does-not-know-32b' })
  return {
    // EMQX keeps sessions (clean: false / Session Expiry); so does the emulator's aedes.
    capabilities: { ...emqx({ host: '127.0.0.1' }).capabilities, persistentSession: true },
    client: () => {
      const request = grant()
      return options(() => emu.issuer.issue(request))
    },
    badClient: () => options(() => forged.issue(grant())),
    dropConnections: async () => emu.broker.dropClients(),
    teardown: () => emu.close(),
  }
})
