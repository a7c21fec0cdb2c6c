import { json, topic } from '@tidings/core'
import { afterEach, describe, expect, it } from 'vitest'
import { mosquittoBehindProxy } from './behind-proxy.js'

// QoS 2 publishes whose connection is reset in the middle of their exchange, against a real Mosquitto
// with a persistent session. The proxy holds every chunk for DELAY_MS, so a reset after one delay lands
// after Mosquitto stored the PUBLISHes but before their PUBRECs reached the client (the client resends
// PUBLISH with DUP and the original ids), and one after three delays lands with the PUBRELs on their way
// (the client resends PUBREL). Mosquitto holds a QoS 2 message until its PUBREL and recognises a resent
// PUBLISH by its id, so in either case each message must arrive exactly once.
const DELAY_MS = 150
const COUNT = 10

describe('QoS 2 across a reset mid-exchange, resumed session (real Mosquitto)', () => {
  const env = mosquittoBehindProxy('qos2-resume', { reconnect: { baseMs: 100, capMs: 200 } })
  const { make } = env
  afterEach(() => env.relay.delay(0))

  for (const protocolVersion of [4, 5] as const) {
    for (const [phase, delays] of [
      ['before PUBREC', 1.3],
      ['before PUBCOMP', 3.3],
    ] as const) {
      it(`MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}: reset ${phase}: each message arrives once, in order`, async () => {
        const t = topic(`qos2-resume/${protocolVersion}/{phase}`, json<number>(), { qos: 2 })
        const params = { phase: phase.replace(' ', '-') }
        const sub = make(env.broker.port, { protocolVersion })
        await sub.connect()
        const got: number[] = []
        await sub.subscribe(t, params, (v) => void got.push(v))
        const pub = make(env.relay.port, { protocolVersion, session: { persistent: true, expirySeconds: 60 } })
        await pub.connect()
        env.relay.delay(DELAY_MS)
        const sent = Array.from({ length: COUNT }, (_, i) => pub.publish(t, params, i + 1))
        await new Promise((r) => setTimeout(r, DELAY_MS * delays))
        expect(env.relay.cut('rst')).toBe(1)
        env.relay.delay(0)
        await Promise.all(sent)
        await expect.poll(() => got.length, { timeout: 3000 }).toBe(COUNT)
        // Anything delivered twice would arrive within this window.
        await new Promise((r) => setTimeout(r, 300))
        expect(got).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1))
        expect(env.relay.stats().accepted).toBeGreaterThanOrEqual(2)
      })
    }
  }
})
