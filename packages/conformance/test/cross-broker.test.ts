import { isTidingsError, type TidingsClient } from '@tidings/core'
import { describe, expect, test } from 'vitest'
import {
  aliyunTarget,
  bellTopic as bell,
  createPushBackend,
  emqxTarget,
  mosquittoTarget,
  type CrossBrokerTarget,
} from '../src/cross-broker/index.js'

// One entry per broker whose server side has landed; the test body is the same for all of them.
const TARGETS: CrossBrokerTarget[] = [mosquittoTarget, emqxTarget, aliyunTarget]

/** How long "nothing arrives" is watched after the pushed user got theirs. */
const QUIET_MS = 300

describe.each(TARGETS)('the same push backend on $name', (target) => {
  test('issues credentials to two users, pushes to one, and only that user receives', async () => {
    const env = await target.start()
    const devices: TidingsClient[] = []
    try {
      const backend = createPushBackend({
        issuer: env.issuer,
        publisher: env.publisher,
        ...(env.clientIdFor ? { clientIdFor: env.clientIdFor } : {}),
      })
      // A user id that is a wildcard would widen the grant to every user's bell: refused before any issuing.
      await expect(backend.credentialsFor('+')).rejects.toMatchObject({ code: 'INVALID_TOPIC' })
      const received: Record<string, string[]> = { ann: [], ben: [] }
      for (const userId of ['ann', 'ben']) {
        const device = env.deviceClient(await backend.credentialsFor(userId))
        devices.push(device)
        await device.connect()
        await device.subscribe(bell, { userId }, (n) => {
          received[userId]!.push(n.text)
        })
      }
      // Ben also asks for Ann's bell. Mosquitto and EMQX refuse the subscription (SUBSCRIBE_DENIED), Aliyun
      // drops the connection (the client then reports NOT_CONNECTED); no broker may grant it.
      const snoop = await devices[1]!
        .subscribe(bell, { userId: 'ann' }, (n) => {
          received.ben!.push(`snooped: ${n.text}`)
        })
        .then(
          () => 'granted',
          (e: unknown) => (isTidingsError(e) ? e.code : String(e)),
        )
      expect(snoop).not.toBe('granted')

      await backend.notify('ann', { text: 'your order shipped' })
      const deadline = Date.now() + 5000
      while (received.ann!.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      await new Promise((r) => setTimeout(r, QUIET_MS))
      expect(received).toEqual({ ann: ['your order shipped'], ben: [] })
    } finally {
      await Promise.all(devices.map((d) => d.close({ force: true })))
      await env.close()
    }
  })
})
