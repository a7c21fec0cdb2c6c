import { randomBytes } from 'node:crypto'
import { createClient } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import {
  connectMqtt,
  createDynsec,
  mosquittoCredentialIssuer,
  mosquittoServerPublisher,
} from '@tidings/mosquitto/server'
import { tcp } from '@tidings/transport-node'
import { spawnMosquitto } from '../fixtures/index.js'
import type { CrossBrokerTarget } from './target.js'

/** A real Mosquitto with dynamic security: dynsec-issued credentials, a publisher over a backend MQTT connection. */
export const mosquittoTarget: CrossBrokerTarget = {
  name: 'mosquitto (dynsec + MQTT publisher)',
  async start() {
    const admin = { admin: 'admin', password: randomBytes(12).toString('hex') }
    const broker = await spawnMosquitto({ dynsec: admin })
    const url = `mqtt://${broker.host}:${broker.authPort}`
    const cleanups: Array<() => Promise<unknown>> = [() => broker.close()]
    const close = async (): Promise<void> => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
    }
    try {
      const dynsec = await createDynsec({ url, username: admin.admin, password: admin.password })
      cleanups.push(() => dynsec.close())
      const issuer = mosquittoCredentialIssuer(dynsec, { sweepIntervalMs: false })
      cleanups.push(async () => issuer.close())
      // The dynsec admin may not publish outside the control topic: the backend gets its own account.
      const password = randomBytes(16).toString('hex')
      await dynsec.createRole({
        rolename: 'backend',
        acls: [{ acltype: 'publishClientSend', topic: 'notify/#', allow: true }],
      })
      await dynsec.createClient({ username: 'backend', password, roles: [{ rolename: 'backend' }] })
      const connection = await connectMqtt({ url, username: 'backend', password })
      cleanups.push(() => connection.endAsync())
      return {
        issuer,
        publisher: mosquittoServerPublisher(connection),
        deviceClient: (creds) =>
          createClient({
            broker: mosquitto({
              host: broker.host,
              port: broker.authPort,
              clientId: creds.clientId,
              username: creds.username,
              password: creds.password,
            }),
            transport: tcp(),
            reconnect: false,
          }),
        close,
      }
    } catch (error) {
      await close()
      throw error
    }
  },
}
