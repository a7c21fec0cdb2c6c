import { createClient, type TidingsError } from '@tidings/core'
import { startDevBroker } from '@tidings/devbroker'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { spawnMosquitto } from '@tidings/conformance/fixtures'
import { describe, expect, it } from 'vitest'
import { sendCommand } from '../src/app.js'
import { startLock } from '../src/lock.js'
import { bikeState } from '../src/topics.js'

describe('bike unlock', () => {
  it('unlocks and locks through the devbroker, and a flat battery refuses', async () => {
    const broker = await startDevBroker()
    const lock = await startLock({ bikeId: 'b1', broker: broker.profile(), transport: tcp() })
    const flat = await startLock({ bikeId: 'b2', broker: broker.profile(), transport: tcp(), batteryPercent: 2 })
    const app = createClient({ broker: broker.profile(), transport: tcp() })
    try {
      await app.connect()
      expect(await sendCommand(app, 'b1', 'unlock', 'ann')).toMatchObject({ locked: false })
      expect(await sendCommand(app, 'b1', 'unlock', 'ann')).toMatchObject({
        locked: false,
        refused: 'already-unlocked',
      })
      expect(await sendCommand(app, 'b1', 'lock', 'ann')).toMatchObject({ locked: true })
      // Answers go to the app that asked, each to its own command, even when they cross.
      const other = createClient({ broker: broker.profile(), transport: tcp() })
      await other.connect()
      const [mine, theirs] = await Promise.all([
        sendCommand(app, 'b1', 'unlock', 'ann'),
        sendCommand(other, 'b1', 'unlock', 'bo'),
      ])
      expect([mine.refused, theirs.refused].filter(Boolean)).toEqual(['already-unlocked'])
      // The retained state follows the lock.
      expect(await other.waitFor(bikeState, { bikeId: 'b1' }, { timeoutMs: 2000 })).toEqual({
        locked: false,
        batteryPercent: 87,
      })
      await other.close()
      expect(await sendCommand(app, 'b2', 'unlock', 'ann')).toMatchObject({ locked: true, refused: 'battery-low' })
      const error = (await sendCommand(app, 'no-such-bike', 'unlock', 'ann', 300).catch(
        (e: unknown) => e,
      )) as TidingsError
      expect(error.code).toBe('TIMEOUT')
    } finally {
      await app.close()
      await lock.stop()
      await flat.stop()
      await broker.close()
    }
  })

  it('works unchanged on Mosquitto over MQTT 5', async () => {
    const broker = await spawnMosquitto()
    const profile = () => mosquitto({ host: broker.host, port: broker.port })
    const lock = await startLock({ bikeId: 'b9', broker: profile(), transport: tcp(), protocolVersion: 5 })
    const app = createClient({ broker: profile(), transport: tcp(), protocolVersion: 5 })
    try {
      await app.connect()
      expect(await sendCommand(app, 'b9', 'unlock', 'bo')).toMatchObject({ locked: false, batteryPercent: 87 })
    } finally {
      await app.close()
      await lock.stop()
      await broker.close()
    }
  })
})
