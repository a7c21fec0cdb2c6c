import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createClient, json, topic, type ClientOptions, type TidingsClient } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { afterAll, describe, expect, it } from 'vitest'
import { spawnMosquitto, type MosquittoFixture } from '../../src/fixtures/index.js'
import { judge, publishWindowed, spread, watchConnection, type Delivery } from './qos1-run.js'

const MESSAGES = 3000
const WINDOW = 32
const PER_SECOND = 1000
const RESTARTS = 2

/** Resolves once `path` was written after `since` (epoch ms); rejects after 10 s. */
async function savedAfter(path: string, since: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(path) && statSync(path).mtimeMs > since) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${path} not written within 10 s`)
}

// QoS 1 through tidings while Mosquitto (with persistence) is killed with SIGKILL and restarted twice.
describe('QoS 1 across kill -9 and restart of Mosquitto (persistence on)', () => {
  let broker: MosquittoFixture | undefined
  const clients: TidingsClient[] = []
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close({ force: true })))
    await broker?.close()
  })

  it(`${MESSAGES} messages, ${RESTARTS} crashes mid-run: none lost, first deliveries in order`, async () => {
    // Mosquitto forwards a QoS 1 message to an online subscriber before it acknowledges it to the
    // publisher; what it holds only in memory (queued beyond the subscriber's in-flight window, or for a
    // subscriber still reconnecting) is lost by a crash before the next autosave. Unlimited in-flight
    // keeps the first case out, so the test measures the client; the second is covered by waiting for an
    // autosave after both clients are back before the next crash (Mosquitto's durability is not the
    // client's to fix).
    broker = await spawnMosquitto({
      persistence: true,
      extraConfig: ['max_inflight_messages 0', 'max_queued_messages 10000'],
    })
    const db = join(broker.dir, 'mosquitto.db')
    const t = topic('kill/{run}', json<number>(), { qos: 1 })
    const make = (options: Partial<ClientOptions>): TidingsClient => {
      const client = createClient({
        broker: mosquitto({ host: '127.0.0.1', port: broker!.port, clientId: `kill-${process.pid}-${clients.length}` }),
        transport: tcp(),
        reconnect: { baseMs: 100, capMs: 300 },
        ...options,
      })
      client.on('error', () => {})
      clients.push(client)
      return client
    }
    const sub = make({ session: { persistent: true, expirySeconds: 300 } })
    const pub = make({})
    const subLog = watchConnection(sub)
    const pubLog = watchConnection(pub)
    await sub.connect()
    await pub.connect()
    const deliveries: Delivery[] = []
    await sub.subscribe(t, { run: 'a' }, (n, meta) => void deliveries.push({ n, dup: meta.dup }))
    // The subscription is on disk before the first crash.
    await savedAfter(db, Date.now())

    const outages: number[] = []
    let crashes = 0
    const crasher = (async () => {
      for (let i = 0; i < RESTARTS; i++) {
        await new Promise((r) => setTimeout(r, 700))
        const killed = Date.now()
        subLog.faultAt(killed)
        pubLog.faultAt(killed)
        await broker!.stop({ signal: 'SIGKILL' })
        await broker!.start()
        crashes++
        await Promise.all(
          [sub, pub].map(
            (c) =>
              new Promise<void>((resolve) =>
                c.state === 'online' ? resolve() : c.on('state', (s) => s === 'online' && resolve()),
              ),
          ),
        )
        outages.push(Date.now() - killed)
        await savedAfter(db, Date.now())
      }
    })()

    const started = Date.now()
    const { failed } = await publishWindowed(MESSAGES, { window: WINDOW, perSecond: PER_SECOND }, (n) =>
      pub.publish(t, { run: 'a' }, n),
    )
    await crasher
    const publishedMs = Date.now() - started
    const deadline = Date.now() + 10_000
    while (new Set(deliveries.map((d) => d.n)).size < MESSAGES && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))

    const verdict = judge(deliveries, MESSAGES, new Set())
    console.table({
      run: { value: `${publishedMs} ms, window ${WINDOW}, ≤ ${PER_SECOND}/s` },
      sent: { value: MESSAGES },
      received: { value: verdict.received },
      lost: { value: verdict.lost.length },
      duplicates: { value: `${verdict.duplicates} (${verdict.dupFlagged} flagged DUP by the broker)` },
      'kill -9 and restart': { value: crashes },
      'reconnects (publisher / subscriber)': { value: `${pubLog.returns} / ${subLog.returns}` },
      'detection (min / median / max)': { value: spread([...pubLog.detectionMs, ...subLog.detectionMs]) },
      'kill to both online again': { value: spread(outages) },
    })

    expect(failed).toEqual([])
    expect(crashes).toBe(RESTARTS)
    expect(verdict.lost).toEqual([])
    expect(verdict.outOfOrder).toEqual([])
    expect(pubLog.returns).toBeGreaterThanOrEqual(RESTARTS)
    expect(subLog.returns).toBeGreaterThanOrEqual(RESTARTS)
  }, 30_000)
})
