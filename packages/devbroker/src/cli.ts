#!/usr/bin/env node
import { startDevBroker } from './broker.js'

// tidings-devbroker [--tcp-port N] [--ws-port N] [--host H]
const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const broker = await startDevBroker({
  host: flag('--host') ?? '127.0.0.1',
  tcpPort: Number(flag('--tcp-port') ?? 1883),
  wsPort: Number(flag('--ws-port') ?? 8083),
})
console.log(`tidings devbroker\n  tcp ${broker.mqttUrl}\n  ws  ${broker.wsUrl}\nCtrl-C to stop.`)
const stop = () => void broker.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
