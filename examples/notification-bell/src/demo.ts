import { createClient } from '@tidings/core'
import { startDevBroker } from '@tidings/devbroker'
import { tcp } from '@tidings/transport-node'
import { startBellBackend } from './backend.js'
import { buildPage } from './build-page.js'
import { startPageServer } from './page-server.js'

// `pnpm demo`: the embedded broker, the bell backend and the page, all on loopback.
// Ports can be moved with BELL_PAGE_PORT, BELL_API_PORT, BELL_MQTT_PORT and BELL_WS_PORT.
const port = (name: string, fallback: number): number => Number(process.env[name] ?? fallback)
const host = '127.0.0.1'
const userId = 'maya'

const { dir } = await buildPage()
const broker = await startDevBroker({
  host,
  tcpPort: port('BELL_MQTT_PORT', 11883),
  wsPort: port('BELL_WS_PORT', 18083),
})
const publisher = createClient({ broker: broker.profile({ clientId: 'bell-backend' }), transport: tcp() })
await publisher.connect()
const backend = await startBellBackend({ client: publisher, host, port: port('BELL_API_PORT', 3001) })
const page = await startPageServer({
  dir,
  host,
  port: port('BELL_PAGE_PORT', 3000),
  config: { brokerUrl: broker.wsUrl, mqtt5: false, apiUrl: backend.url, userId },
})

// Two things happened before you arrived, so the badge has something to show on first load.
for (const event of [
  { kind: 'follow', from: 'Lena Fischer' },
  { kind: 'like', from: 'Omar Haddad', article: 'The quiet cost of polling' },
]) {
  await fetch(`${backend.url}/api/users/${userId}/${event.kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  })
}

console.log(`
  Notification bell is running.

  Open   ${page.url}   (open it in two tabs)

  API      ${backend.url}/api/users/${userId}/…
  Broker   ${broker.mqttUrl}   ${broker.wsUrl}

  Like Maya's article from a terminal and watch the badge:
    curl -X POST ${backend.url}/api/users/${userId}/like -H 'content-type: application/json' -d '{"from":"Ann Lee","article":"Designing for calm software"}'

  Ctrl+C to stop.
`)

const stop = async (): Promise<void> => {
  await page.close()
  await backend.close()
  await publisher.close()
  await broker.close()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
