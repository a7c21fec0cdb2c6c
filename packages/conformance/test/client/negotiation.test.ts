import {
  createClient,
  genericBroker,
  type ClientOptions,
  type StateInfo,
  type TidingsClient,
  type TidingsError,
} from '@tidings/core'
import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'

// The MQTT version a profile that pins none ends up speaking, against real brokers: the devbroker (aedes,
// MQTT 3.1.1 only) and Mosquitto (MQTT 5).
let devbroker: DevBroker
let broker: MosquittoFixture
const clients: TidingsClient[] = []

beforeAll(async () => {
  ;[devbroker, broker] = await Promise.all([startDevBroker(), spawnMosquitto()])
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
})
afterAll(async () => {
  await Promise.all([devbroker?.close(), broker?.close()])
})

function make(options: Pick<ClientOptions, 'broker'> & Partial<ClientOptions>) {
  const client = createClient({ transport: tcp(), reconnect: { baseMs: 50, capMs: 200 }, ...options })
  clients.push(client)
  const online: StateInfo[] = []
  client.on('state', (state, info) => state === 'online' && online.push(info))
  const errors: TidingsError[] = []
  client.on('error', (error) => errors.push(error))
  return { client, online, errors }
}

describe('protocol negotiation against real brokers', () => {
  it('a 3.1.1-only broker (aedes): falls back to 3.1.1 and keeps it after a reconnect', async () => {
    const { client, online, errors } = make({ broker: genericBroker({ url: devbroker.mqttUrl }) })
    await client.connect()
    expect(online.map((info) => info.protocolVersion)).toEqual([4])
    const back = new Promise<void>((resolve) => client.on('state', (state) => state === 'online' && resolve()))
    devbroker.dropClients()
    await back
    expect(online.map((info) => info.protocolVersion)).toEqual([4, 4])
    // Falling back is not a failure the app hears of.
    expect(errors).toEqual([])
  })

  it('a pinned MQTT 5 against aedes is refused, and never changed', async () => {
    const { client } = make({ broker: genericBroker({ url: devbroker.mqttUrl, protocolVersion: 5 }) })
    await expect(client.connect()).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' })
  })

  it('Mosquitto stays on MQTT 5, through its own profile and a generic one', async () => {
    for (const profile of [
      mosquitto({ host: broker.host, port: broker.port }),
      genericBroker({ url: `mqtt://127.0.0.1:${broker.port}` }),
    ]) {
      const { client, online } = make({ broker: profile })
      await client.connect()
      expect(online).toEqual([
        expect.objectContaining({ protocolVersion: 5, endpoint: { host: '127.0.0.1', port: broker.port } }),
      ])
    }
  })

  it('bad credentials on Mosquitto are NOT_AUTHORIZED, not a version problem', async () => {
    const { client } = make({
      broker: mosquitto({ host: broker.host, port: broker.authPort, username: 'alice', password: 'wrong' }),
    })
    const error = (await client.connect().catch((e: unknown) => e)) as TidingsError
    expect(error).toMatchObject({ code: 'NOT_AUTHORIZED', reasonCode: 0x87 })
  })
})
