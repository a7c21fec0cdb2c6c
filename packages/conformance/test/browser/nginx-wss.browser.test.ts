import { createClient, type TidingsError } from '@tidings/core'
import { mosquitto } from '@tidings/mosquitto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startBellStack, type BellStack } from '../../src/browser/bell.js'
import { makeCertificates, type CertificateFixture } from '../../src/browser/certs.js'
import { launchChromium, type ChromiumFixture } from '../../src/browser/chromium.js'
import { startNginx, type NginxFixture } from '../../src/browser/nginx.js'
import { openBell } from '../../src/browser/page.js'
import { websocket } from '@tidings/transport-ws'
import { buildPage } from '../../src/browser/workspace.js'
import { waitUntil } from '../../src/suite.case.js'
import { mosquittoBellTarget, type BellBrokerTarget } from './bell-targets.js'

// The nginx-wss example for real: Debian's nginx terminates TLS with a certificate from the example's
// script and proxies /mqtt to Mosquitto's websockets listener (dynamic security: every client needs
// issued credentials); the bell page connects over wss.

let certs: CertificateFixture
let broker: BellBrokerTarget
let nginx: NginxFixture
let chromium: ChromiumFixture
let stack: BellStack
let pageDir: string

beforeAll(async () => {
  certs = makeCertificates()
  pageDir = mkdtempSync(join(tmpdir(), 'tidings-bell-page-'))
  broker = await mosquittoBellTarget()
  nginx = await startNginx({ upstreamPort: broker.wsPort, certs })
  ;[chromium] = await Promise.all([launchChromium({ trustSpki: [certs.spki] }), buildPage(pageDir)])
  stack = await startBellStack({
    pageDir,
    config: { ...broker.config, brokerUrl: nginx.wssUrl },
    issuer: broker.issuer,
    publish: broker.publish,
  })
})
afterAll(async () => {
  await chromium?.close()
  await stack?.close()
  await nginx?.close()
  await broker?.close()
  certs?.remove()
  rmSync(pageDir, { recursive: true, force: true })
})

describe('notification bell over wss through nginx', () => {
  test('the page connects over wss, shows the retained count, and a like raises the badge within 1 s', async () => {
    const unread = await stack.post('follow', { from: 'Priya Nair' })
    const context = await chromium.newContext()
    try {
      const tab = await openBell(context, stack.pageUrl)
      await tab.waitForBadge(String(unread), 2000)
      const started = Date.now()
      const next = await stack.post('like', { from: 'Tomás Ortega', article: 'The quiet cost of polling' })
      await tab.waitForBadge(String(next), 1000)
      expect(Date.now() - started).toBeLessThan(1000)
      await tab.page.click('#bell')
      await tab.page.waitForTimeout(300)
      await tab.screenshot('notification-bell-nginx-wss')
      expect(tab.errors).toEqual([])
    } finally {
      await context.close()
    }
    // The connection really went through nginx: once the tab is gone, its access log has the upgrade (101).
    await waitUntil(
      () => /"GET \/mqtt HTTP\/1\.1" 101/.test(nginx.accessLog()),
      5000,
      () => nginx.accessLog(),
    )
  })

  test('without the certificate pin Chromium refuses the wss connection (the pin is what makes it work)', async () => {
    const untrusting = await launchChromium()
    try {
      const context = await untrusting.newContext()
      const page = await context.newPage()
      await page.goto(stack.pageUrl)
      await page.waitForSelector('#connection[data-connection="reconnecting"]', { state: 'attached', timeout: 10_000 })
      expect(await page.getAttribute('#connection', 'data-connection')).not.toBe('online')
    } finally {
      await untrusting.close()
    }
  })
})

describe('Node clients through the same nginx', () => {
  test('websocket() with the CA connects over wss', async () => {
    const creds = await broker.issuer.issue({
      userId: 'node',
      subscribe: ['user/node/unread'],
      publish: [],
      ttlSeconds: 60,
    })
    const client = createClient({
      broker: mosquitto({
        host: '127.0.0.1',
        port: nginx.port,
        tls: true,
        clientId: creds.clientId,
        username: creds.username!,
        password: creds.password,
      }),
      transport: websocket({ WebSocket, socketOptions: { ca: certs.ca } }),
    })
    try {
      await client.connect()
      expect(client.state).toBe('online')
    } finally {
      await client.close({ force: true })
    }
  })

  test('an untrusted certificate fails with TLS_UNTRUSTED and a hint', async () => {
    const client = createClient({
      broker: mosquitto({ host: '127.0.0.1', port: nginx.port, tls: true }),
      transport: websocket({ WebSocket }),
    })
    const error = (await client.connect().catch((e: unknown) => e)) as TidingsError
    expect(error.code).toBe('TLS_UNTRUSTED')
    expect(error.message).toMatch(/pass its CA/)
    await client.close({ force: true })
  })
})

describe('the example nginx config', () => {
  test('has what a WebSocket proxy for MQTT needs (Mosquitto would accept it even without some of it; EMQX would not)', () => {
    const config = nginx.siteConfig
    expect(config).toMatch(/proxy_http_version 1\.1;/)
    expect(config).toMatch(/proxy_set_header Upgrade \$http_upgrade;/)
    expect(config).toMatch(/proxy_set_header Connection \$connection_upgrade;/)
    expect(config).toMatch(/proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/)
    const readTimeout = Number(/proxy_read_timeout (\d+)s;/.exec(config)?.[1])
    expect(readTimeout).toBeGreaterThanOrEqual(3600)
    // A transparent proxy: no subprotocol rewriting, no third-party modules.
    expect(config).not.toMatch(/Sec-WebSocket-Protocol|more_clear_headers/)
  })
})
