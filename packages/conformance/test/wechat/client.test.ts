import {
  createClient,
  genericBroker,
  type BrokerProfile,
  type ClientState,
  type StateInfo,
  type TidingsError,
} from '@tidings/core'
import { emqx } from '@tidings/emqx'
import { afterEach, describe, expect, it } from 'vitest'
import { wechat } from '../../../transport-wechat/src/index.js'
import { createFakePlatform, memoryWire, type MemoryConnection } from '../../src/wechat/index.js'
import { until } from './helpers.js'

// An MQTT 3.1.1 CONNACK: accepted, no session.
const CONNACK = new Uint8Array([0x20, 0x02, 0x00, 0x00])

/** A client on a fake `wx` whose sockets the test answers as the broker. */
function setup() {
  const { wire, connections } = memoryWire()
  const platform = createFakePlatform('wx', { wire })
  const client = createClient({
    broker: genericBroker({ url: 'wss://mq.example.com/mqtt', capabilities: { mqtt5: false } }),
    transport: wechat({ wx: platform.api as never }),
    // A long backoff: any quick reconnect below comes from a lifecycle event.
    // Retry timers never fire: only lifecycle events can bring the client back.
    timers: { setTimeout: () => undefined, clearTimeout: () => {} },
    keepaliveSeconds: 0,
  })
  const states: Array<[ClientState, StateInfo]> = []
  const errors: TidingsError[] = []
  client.on('state', (state, info) => states.push([state, info]))
  client.on('error', (error) => errors.push(error))
  const accept = async (connection: MemoryConnection): Promise<void> => {
    connection.open()
    await until(() => connection.frames.length > 0, 2000, 'CONNECT')
    connection.message(CONNACK)
    await until(() => client.state === 'online', 2000, 'online')
  }
  return { platform, connections, client, states, errors, accept }
}

describe('wechat transport under the client', () => {
  let cleanup: (() => Promise<void>) | undefined
  afterEach(async () => {
    await cleanup?.()
    cleanup = undefined
  })

  it('reports socket errors through the error event with a code, and as the cause of the loss in state events', async () => {
    const { connections, client, states, errors, accept } = setup()
    cleanup = () => client.close({ force: true })
    const connected = client.connect()
    await until(() => connections.length === 1, 2000, 'socket')
    await accept(connections[0]!)
    await connected

    connections[0]!.error('connectSocket:fail interrupted')
    await until(() => client.state === 'reconnecting', 2000, 'reconnecting')
    expect(errors.map((e) => [e.code, e.adapter])).toContainEqual(['TRANSPORT_ERROR', 'wechat'])
    // The state event names the loss and, as its cause, the socket error that ended the connection.
    const lost = states.find(([s]) => s === 'reconnecting')?.[1].error
    expect(lost?.code).toBe('CONNECTION_LOST')
    expect(lost?.cause).toMatchObject({ code: 'TRANSPORT_ERROR', adapter: 'wechat' })

    // Nothing reconnects on its own…
    await new Promise((r) => setTimeout(r, 100))
    expect(connections).toHaveLength(1)
  })

  it('reconnects at once on onAppShow and when the network returns, and shows close reasons', async () => {
    const { platform, connections, client, states, accept } = setup()
    cleanup = () => client.close({ force: true })
    await Promise.all([
      client.connect(),
      (async () => {
        await until(() => connections.length === 1, 2000, 'socket')
        await accept(connections[0]!)
      })(),
    ])

    connections[0]!.close(1006, 'abnormal closure')
    await until(() => client.state === 'reconnecting', 2000, 'reconnecting')
    expect(states.find(([s]) => s === 'reconnecting')?.[1].close).toEqual({ code: 1006, reason: 'abnormal closure' })
    platform.app.show()
    await until(() => connections.length === 2, 1000, 'reconnect on show')
    await accept(connections[1]!)

    connections[1]!.close(1000, 'interrupted')
    await until(() => client.state === 'reconnecting', 2000, 'reconnecting')
    platform.app.network(false)
    await new Promise((r) => setTimeout(r, 50))
    expect(connections).toHaveLength(2)
    platform.app.network(true)
    await until(() => connections.length === 3, 1000, 'reconnect on network')
    await accept(connections[2]!)

    await client.close()
    // One graceful close per socket, none on sockets the platform had already closed.
    expect(platform.tasks.map((t) => t.closeCalls)).toEqual([0, 0, 1])
    expect(platform.tasks.reduce((n, t) => n + t.closeFailures, 0)).toBe(0)
    expect(platform.app.listeners()).toEqual({ show: 0, hide: 0, network: 0 })
  })

  it('reconnects when an interrupted socket reports its close only after onAppShow', async () => {
    const { platform, connections, client, states, accept } = setup()
    cleanup = () => client.close({ force: true })
    await Promise.all([
      client.connect(),
      (async () => {
        await until(() => connections.length === 1, 2000, 'socket')
        await accept(connections[0]!)
      })(),
    ])

    platform.app.hide()
    const reportClose = platform.interrupt({ defer: true })
    platform.app.show()
    expect(client.state).toBe('online')
    const shown = Date.now()
    reportClose()
    await until(() => connections.length === 2, 1000, 'reconnect after a late close')
    expect(Date.now() - shown).toBeLessThan(1000)
    expect(states.find(([s]) => s === 'reconnecting')?.[1].close).toEqual({ code: 1000, reason: 'interrupted' })
    await accept(connections[1]!)
  })
})

describe('the broker profile decides the scheme of a mini-program socket', () => {
  /** Connects once with a fresh fake `wx` and returns the URL the socket was opened with and the warnings. */
  async function openedUrl(broker: BrokerProfile): Promise<{ url: string | undefined; warnings: string[] }> {
    const { wire, connections } = memoryWire()
    const platform = createFakePlatform('wx', { wire })
    const warnings: string[] = []
    const client = createClient({
      broker,
      transport: wechat({ wx: platform.api as never, warn: (m) => warnings.push(m) }),
      reconnect: false,
      connectTimeoutMs: 200,
    })
    client.on('error', () => {})
    const connecting = client.connect().catch(() => {})
    await until(() => connections.length === 1, 2000, 'socket')
    connections[0]!.error('connectSocket:fail no broker in this test')
    await connecting
    await client.close({ force: true })
    return { url: connections[0]?.request.url, warnings }
  }

  it('opens ws:// for a ws:// URL without any transport option, and the guard flags it', async () => {
    const { url, warnings } = await openedUrl(genericBroker({ url: 'ws://mq.example.com:8083/mqtt' }))
    expect(url).toBe('ws://mq.example.com:8083/mqtt')
    expect(warnings.join('\n')).toMatch(/not wss:\/\//)
  })

  it('opens wss:// for a tls: true profile and ws:// for the same profile without it', async () => {
    const secure = await openedUrl(emqx({ host: 'mq.example.com', tls: true, behindProxy: true }))
    expect(secure).toEqual({ url: 'wss://mq.example.com/mqtt', warnings: [] })
    const plain = await openedUrl(emqx({ host: 'mq.example.com' }))
    expect(plain.url).toBe('ws://mq.example.com:8083/mqtt')
    expect(plain.warnings).toHaveLength(1)
  })
})
