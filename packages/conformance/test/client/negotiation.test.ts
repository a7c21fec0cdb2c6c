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
import { freePort, spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'

// What each attempt uses against real brokers: the MQTT version a profile that pins none ends up speaking
// (the devbroker is aedes, MQTT 3.1.1 only; Mosquitto speaks 5), and the node of a list of endpoints.
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

describe('several endpoints against real brokers', () => {
  it('connect() moves on from a dead port to the live node at once (Mosquitto, and aedes with a fallback)', async () => {
    const dead = `mqtt://127.0.0.1:${await freePort()}`
    for (const [live, version] of [
      [`mqtt://127.0.0.1:${broker.port}`, 5],
      [devbroker.mqttUrl, 4],
    ] as const) {
      // A backoff window of a minute: connecting within seconds shows no backoff ran between the nodes.
      const { client, online, errors } = make({
        broker: genericBroker({ urls: [dead, live] }),
        reconnect: { baseMs: 60_000 },
      })
      const started = Date.now()
      await client.connect()
      expect(Date.now() - started).toBeLessThan(5000)
      expect(online).toEqual([
        expect.objectContaining({
          protocolVersion: version,
          endpoint: { host: '127.0.0.1', port: Number(live.split(':')[2]) },
        }),
      ])
      expect(errors.map((e) => e.code)).toEqual(['CONNECTION_REFUSED'])
    }
  })

  it("connect() fails with the last node's error once a whole round failed", async () => {
    const urls = [`mqtt://127.0.0.1:${await freePort()}`, `mqtt://127.0.0.1:${await freePort()}`]
    const { client, errors } = make({ broker: genericBroker({ urls }) })
    await expect(client.connect()).rejects.toMatchObject({ code: 'CONNECTION_REFUSED' })
    expect(errors).toHaveLength(2)
  })

  it('mosquitto({ nodes }) goes to the node that answers, and names it in the online state', async () => {
    const deadPort = await freePort()
    const { client, online } = make({
      broker: mosquitto({
        nodes: [
          { host: '127.0.0.1', port: deadPort },
          { host: '127.0.0.1', port: broker.port },
        ],
      }),
      reconnect: { baseMs: 60_000 },
    })
    await client.connect()
    expect(online).toEqual([expect.objectContaining({ endpoint: { host: '127.0.0.1', port: broker.port } })])
  })
})
