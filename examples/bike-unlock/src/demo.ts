import { createClient } from '@tidings/core'
import { startDevBroker } from '@tidings/devbroker'
import { tcp } from '@tidings/transport-node'
import { sendCommand } from './app.js'
import { startLock } from './lock.js'

// The bike-unlock demo on the embedded broker: three locks come online, a rider unlocks bike 2,
// rides, and locks it again; a lock with a flat battery refuses.
const broker = await startDevBroker()
console.log(`devbroker listening on ${broker.mqttUrl}`)
const locks = await Promise.all(
  [
    { bikeId: 'bike-001', batteryPercent: 91 },
    { bikeId: 'bike-002', batteryPercent: 64 },
    { bikeId: 'bike-003', batteryPercent: 3 },
  ].map((b) => startLock({ ...b, broker: broker.profile({ clientId: `lock-${b.bikeId}` }), transport: tcp() })),
)
console.log(`${locks.length} locks online`)

const app = createClient({ broker: broker.profile({ clientId: 'rider-app-ann' }), transport: tcp() })
await app.connect()

const show = (label: string, ms: number, state: object): void =>
  console.log(`${label.padEnd(22)} ${String(Math.round(ms)).padStart(4)} ms  ${JSON.stringify(state)}`)
for (const [bikeId, action] of [
  ['bike-002', 'unlock'],
  ['bike-002', 'lock'],
  ['bike-003', 'unlock'],
] as const) {
  const started = performance.now()
  const state = await sendCommand(app, bikeId, action, 'ann')
  show(`${action} ${bikeId}`, performance.now() - started, state)
}

await app.close()
await Promise.all(locks.map((l) => l.stop()))
await broker.close()
console.log('done')
