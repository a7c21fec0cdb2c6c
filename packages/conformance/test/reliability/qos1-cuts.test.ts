import { createClient, json, topic, type ClientOptions, type TidingsClient } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { afterAll, describe, expect, it } from 'vitest'
import {
  readPublish,
  spawnMosquitto,
  startFaultProxy,
  wireReader,
  type FaultProxy,
  type MosquittoFixture,
} from '../../src/fixtures/index.js'
import { judge, publishWindowed, runSeed, seededRandom, spread, watchConnection, type Delivery } from './qos1-run.js'

const MESSAGES = 5000
const WINDOW = 32
// Paced so publishing lasts about 2.5 s: long enough for a few dozen cuts.
const PER_SECOND = 2000
// Cuts come every 30–120 ms while publishing: a few dozen per run, each side cut many times.
const CUT_EVERY_MS = [30, 120] as const

// QoS 1 through tidings' public API while the paths of both clients are cut at random, against a real
// Mosquitto. A failing run prints its seed; TIDINGS_SEED=<seed> replays the same fault schedule.
describe('QoS 1 under random connection cuts (real Mosquitto)', () => {
  let broker: MosquittoFixture | undefined
  const proxies: FaultProxy[] = []
  const clients: TidingsClient[] = []
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close({ force: true })))
    await Promise.all(proxies.map((p) => p.close()))
    await broker?.close()
  })

  it(`${MESSAGES} messages, both sides cut with RST and FIN: none lost, in order, duplicates explained`, async () => {
    const seed = runSeed()
    const random = seededRandom(seed)
    const why = `seed ${seed} (replay with TIDINGS_SEED=${seed})`
    // Enough queue for the messages published while the subscriber is away: the test measures the
    // client, not Mosquitto's default cap of 1000 queued messages per offline session.
    broker = await spawnMosquitto({ extraConfig: ['max_queued_messages 10000'] })
    const target = { host: broker.host, port: broker.port }

    // The publisher's wire: which messages it sent again with DUP set, and how many PUBLISH packets in all.
    const resent = new Set<number>()
    let publishPackets = 0
    const readers = new Map<number, ReturnType<typeof wireReader>>()
    const pubProxy = await startFaultProxy({
      target,
      tap: ({ connection, direction, bytes }) => {
        if (direction !== 'toServer') return
        let read = readers.get(connection)
        if (!read) readers.set(connection, (read = wireReader()))
        for (const packet of read(bytes)) {
          const publish = readPublish(packet, 5)
          if (!publish) continue
          publishPackets++
          if (publish.dup) resent.add(Number(publish.payload.toString()))
        }
      },
    })
    const subProxy = await startFaultProxy({ target })
    proxies.push(pubProxy, subProxy)

    const t = topic('cuts/{run}', json<number>(), { qos: 1 })
    const make = (port: number, options: Partial<ClientOptions>): TidingsClient => {
      const client = createClient({
        broker: mosquitto({ host: '127.0.0.1', port, clientId: `cuts-${process.pid}-${clients.length}` }),
        transport: tcp(),
        protocolVersion: 5,
        reconnect: { baseMs: 50, capMs: 200 },
        ...options,
      })
      client.on('error', () => {})
      clients.push(client)
      return client
    }
    const sub = make(subProxy.port, { session: { persistent: true, expirySeconds: 300 } })
    const pub = make(pubProxy.port, {})
    const subLog = watchConnection(sub)
    const pubLog = watchConnection(pub)
    await sub.connect()
    await pub.connect()
    const deliveries: Delivery[] = []
    await sub.subscribe(t, { run: 'a' }, (n, meta) => void deliveries.push({ n, dup: meta.dup }))

    // The fault schedule runs until the last publish is acknowledged.
    const cuts = { rst: 0, fin: 0, pub: 0, sub: 0 }
    let publishing = true
    const schedule = (async () => {
      while (publishing) {
        const [min, max] = CUT_EVERY_MS
        await new Promise((r) => setTimeout(r, min + Math.floor(random() * (max - min))))
        if (!publishing) break
        const mode = random() < 0.5 ? 'rst' : 'fin'
        const pick = random()
        for (const [side, proxy, log] of [
          ['pub', pubProxy, pubLog],
          ['sub', subProxy, subLog],
        ] as const) {
          if ((side === 'pub' && pick > 0.66) || (side === 'sub' && pick < 0.33)) continue
          log.faultAt()
          if (proxy.cut(mode) > 0) {
            cuts[mode]++
            cuts[side]++
          }
        }
      }
    })()

    const started = Date.now()
    const { failed } = await publishWindowed(MESSAGES, { window: WINDOW, perSecond: PER_SECOND }, (n) =>
      pub.publish(t, { run: 'a' }, n),
    )
    publishing = false
    await schedule
    const publishedMs = Date.now() - started
    // Everything acknowledged to the publisher reaches the subscriber once it is back and drained.
    const deadline = Date.now() + 10_000
    while (new Set(deliveries.map((d) => d.n)).size < MESSAGES && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))

    const verdict = judge(deliveries, MESSAGES, resent)
    console.table({
      run: { value: `seed ${seed}, ${publishedMs} ms publishing, window ${WINDOW}, ≤ ${PER_SECOND}/s` },
      sent: { value: MESSAGES },
      'PUBLISH packets (incl. resends)': { value: publishPackets },
      'resent with DUP by the publisher': { value: resent.size },
      received: { value: verdict.received },
      lost: { value: verdict.lost.length },
      duplicates: { value: `${verdict.duplicates} (${verdict.dupFlagged} flagged DUP by the broker)` },
      'cuts (rst / fin)': { value: `${cuts.rst} / ${cuts.fin}` },
      'cuts (publisher / subscriber)': { value: `${cuts.pub} / ${cuts.sub}` },
      'reconnects (publisher / subscriber)': { value: `${pubLog.returns} / ${subLog.returns}` },
      'detection, publisher (min / median / max)': { value: spread(pubLog.detectionMs) },
      'detection, subscriber (min / median / max)': { value: spread(subLog.detectionMs) },
    })

    expect(failed, why).toEqual([])
    expect(verdict.lost, why).toEqual([])
    expect(verdict.outOfOrder, why).toEqual([])
    expect(verdict.unexplained, why).toEqual([])
    // The run exercised what it claims: both kinds of cut, on both sides, and the clients came back.
    expect(cuts.rst, why).toBeGreaterThan(0)
    expect(cuts.fin, why).toBeGreaterThan(0)
    expect(cuts.pub, why).toBeGreaterThanOrEqual(5)
    expect(cuts.sub, why).toBeGreaterThanOrEqual(5)
    expect(pubLog.returns, why).toBeGreaterThan(0)
    expect(subLog.returns, why).toBeGreaterThan(0)
  }, 30_000)
})
