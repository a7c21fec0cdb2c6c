import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import mqtt, { type IConnackPacket } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { type MosquittoFixture, spawnMosquitto, startFaultProxy, type FaultProxy } from '../../src/fixtures/index.js'
import { connectRaw, endAll, next } from './helpers.js'

/** Resolves once `path` was written after `since` (epoch ms); rejects after 10 s. */
async function savedAfter(path: string, since: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(path) && statSync(path).mtimeMs > since) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${path} not written within 10 s`)
}

describe('Mosquitto killed with SIGKILL and restarted on the same port', () => {
  let broker: MosquittoFixture | undefined
  let proxy: FaultProxy | undefined
  afterEach(async () => {
    await proxy?.close()
    await broker?.close()
    proxy = broker = undefined
  })

  /** Subscribes with a persistent session, crashes the broker, restarts it, and reports sessionPresent. */
  async function sessionSurvivesCrash(persistence: boolean): Promise<{ sessionPresent: boolean; message: string }> {
    broker = await spawnMosquitto({ persistence })
    // Through the proxy: the client keeps one address while the broker behind it dies and comes back.
    proxy = await startFaultProxy({ target: { host: broker.host, port: broker.port } })
    const session = { clientId: 'fp-crash', clean: false, protocolVersion: 4 as const }
    const first = await connectRaw(proxy.port, session)
    await first.subscribeAsync('fp/crash', { qos: 1 })
    // Until an autosave (every second) has written the session: a crash loses what is not on disk.
    if (persistence) await savedAfter(join(broker.dir, 'mosquitto.db'), Date.now())
    else await new Promise((r) => setTimeout(r, 1500))
    const lost = next(first, 'close')
    await broker.stop({ signal: 'SIGKILL' })
    await lost
    await broker.start()
    const publisher = await connectRaw(broker.port)
    await publisher.publishAsync('fp/crash', 'after restart', { qos: 1 })
    // Listening before CONNACK: the queued message follows it at once.
    const again = mqtt.connect({ host: '127.0.0.1', port: proxy.port, reconnectPeriod: 0, ...session })
    const message = new Promise<string>((resolve) => {
      again.once('message', (_t, p) => resolve(String(p)))
      setTimeout(() => resolve('(none)'), 1500)
    })
    const connack = await next<IConnackPacket>(again, 'connect')
    // Waited for before the clients end: the message may come in a later segment than the CONNACK, and
    // ending the client at 'connect' raced it.
    const received = await message
    await endAll([first, publisher, again])
    return { sessionPresent: connack.sessionPresent, message: received }
  }

  it('with persistence the session and its queued message survive', async () => {
    expect(await sessionSurvivesCrash(true)).toEqual({ sessionPresent: true, message: 'after restart' })
  })

  it('without persistence they are gone (the check above can fail)', async () => {
    expect(await sessionSurvivesCrash(false)).toEqual({ sessionPresent: false, message: '(none)' })
  })
})
