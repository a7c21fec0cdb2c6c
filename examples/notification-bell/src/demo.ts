import { startBellBackend } from './backend.js'
import { buildPage } from './build-page.js'
import { startDemoBroker } from './demo-broker.js'

// `pnpm demo`: the embedded broker (acting as EMQX with JWT authentication), the bell backend and its
// page, all on loopback. Ports can be moved with BELL_PORT, BELL_MQTT_PORT and BELL_WS_PORT.
const port = (name: string, fallback: number): number => Number(process.env[name] ?? fallback)
const host = '127.0.0.1'
const userId = 'maya'

const { dir } = await buildPage()
const demo = await startDemoBroker({
  host,
  tcpPort: port('BELL_MQTT_PORT', 11883),
  wsPort: port('BELL_WS_PORT', 18083),
})
const publisher = await demo.connectBackend()
const backend = await startBellBackend({
  client: publisher,
  issuer: demo.issuer,
  page: { dir, config: demo.pageConfig },
  // The demo has no login form: opening the page logs you in as Maya.
  demoUser: userId,
  host,
  port: port('BELL_PORT', 3000),
})

// Two things happened before you arrived, so the badge has something to show on first load.
const cookie = backend.login('lena')
for (const event of [
  { kind: 'follow', from: 'Lena Fischer' },
  { kind: 'like', from: 'Omar Haddad', article: 'The quiet cost of polling' },
]) {
  await fetch(`${backend.url}/api/users/${userId}/${event.kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify(event),
  })
}

console.log(`
  Notification bell is running.

  Open   ${backend.url}/   (open it in two tabs)

  Broker   ${demo.broker.wsUrl} (EMQX emulation: JWT from the backend, deny what it does not grant)

  Like Maya's article from a terminal and watch the badge (any logged-in reader may):
    curl -s -c bell.cookies ${backend.url}/ -o /dev/null
    curl -b bell.cookies -X POST ${backend.url}/api/users/${userId}/like -H 'content-type: application/json' -d '{"from":"Ann Lee","article":"Designing for calm software"}'

  Ctrl+C to stop.
`)

const stop = async (): Promise<void> => {
  await backend.close()
  await publisher.close()
  await demo.close()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
