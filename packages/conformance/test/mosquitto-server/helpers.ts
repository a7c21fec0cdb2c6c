import { randomBytes } from 'node:crypto'
import { createClient, type ClientOptions, type IssuedCredentials, type TidingsClient } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { connectMqtt, createDynsec, type Dynsec } from '@tidings/mosquitto/server'
import { tcp } from '@tidings/transport-node'
import type { MqttClient } from 'mqtt'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'

export const ADMIN = { admin: 'admin', password: 'admin-pw' }

/** A Mosquitto with dynamic security and an admin connection to it. */
export interface DynsecBroker {
  readonly broker: MosquittoFixture
  readonly url: string
  readonly dynsec: Dynsec
  close(): Promise<void>
}

export async function startDynsecBroker(): Promise<DynsecBroker> {
  const broker = await spawnMosquitto({ dynsec: ADMIN })
  const url = `mqtt://${broker.host}:${broker.authPort}`
  try {
    const dynsec = await createDynsec({ url, username: ADMIN.admin, password: ADMIN.password })
    return {
      broker,
      url,
      dynsec,
      async close() {
        await dynsec.close().catch(() => {})
        await broker.close()
      },
    }
  } catch (error) {
    await broker.close()
    throw error
  }
}

/**
 * A backend account allowed to publish to `topics` (the dynsec admin may not publish outside the control
 * topic), connected with MQTT.js.
 */
export async function connectBackend(env: DynsecBroker, topics: string[]): Promise<MqttClient> {
  const username = `backend-${randomBytes(4).toString('hex')}`
  const password = randomBytes(16).toString('hex')
  await env.dynsec.createRole({
    rolename: username,
    acls: topics.map((topic) => ({ acltype: 'publishClientSend', topic, allow: true })),
  })
  await env.dynsec.createClient({ username, password, roles: [{ rolename: username }] })
  return connectMqtt({ url: env.url, username, password })
}

/** A tidings client (what a browser would run) using issued credentials, without reconnecting. */
export function userClient(
  broker: MosquittoFixture,
  creds: IssuedCredentials,
  overrides: Partial<ClientOptions> & { clientId?: string } = {},
): TidingsClient {
  const { clientId, ...rest } = overrides
  return createClient({
    broker: mosquitto({
      host: broker.host,
      port: broker.authPort,
      clientId: clientId ?? creds.clientId,
      username: creds.username,
      password: creds.password,
    }),
    transport: tcp(),
    protocolVersion: 5,
    reconnect: false,
    connectTimeoutMs: 5000,
    ...rest,
  })
}

/** Polls until `check` holds, failing after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
