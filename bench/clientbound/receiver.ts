import { bytes, createClient, topic } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { tcp } from '@tidings/transport-node'
import { connectAsync } from 'mqtt'
import { serveParent } from '../child.js'
import { apartTopic, type ReceiverCommand, type RttResult, type Side, sinceStamp } from './protocol.js'

// The subscriber of one side in a process of its own, for round trips where publisher and subscriber do
// not share a process (as a backend and the devices it pushes to do not): each message carries its send
// time (see protocol.ts), and `collect` returns the percentiles of the `count` that arrived since the last one.
const [side, host, port] = process.argv.slice(2) as [Side, string, string]

const samples: number[] = []
const received = (payload: Uint8Array): void => {
  samples.push(sinceStamp(payload) / 1000)
}

let close: () => Promise<unknown>
if (side === 'raw') {
  const sub = await connectAsync(`mqtt://${host}:${port}`, { protocolVersion: 5, reconnectPeriod: 0 })
  sub.on('message', (_topic, payload) => received(payload))
  await sub.subscribeAsync(apartTopic('raw'), { qos: 1 })
  close = () => sub.endAsync()
} else {
  const sub = createClient({ broker: mosquitto({ host, port: Number(port) }), transport: tcp(), reconnect: false })
  await sub.connect()
  await sub.subscribe(topic(apartTopic('tidings'), bytes(), { qos: 1 }), {}, received)
  close = () => sub.close()
}

serveParent(async (raw) => {
  const command = raw as unknown as ReceiverCommand
  if (command.op === 'close') return void (await close())
  // The last message may still be on its way here when the publisher has its PUBACK.
  const deadline = performance.now() + 5000
  while (samples.length < command.count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1))
  if (samples.length !== command.count)
    throw new Error(`bench receiver: ${samples.length} of ${command.count} messages arrived`)
  const sorted = samples.splice(0).sort((a, b) => a - b)
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
  const result: RttResult = { p50: at(0.5), p99: at(0.99) }
  return result
})
