import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startBellStack, type BellStack } from '../../src/browser/bell.js'
import { launchChromium, type ChromiumFixture } from '../../src/browser/chromium.js'
import { openBell, type BellTab } from '../../src/browser/page.js'
import { buildPage } from '../../src/browser/workspace.js'
import { devbrokerBellTarget, mosquittoBellTarget, type BellBrokerTarget } from './bell-targets.js'

// The notification-bell page in real headless Chromium, connected straight to a broker's WebSocket
// listener with credentials its backend issued: Mosquitto's (dynamic security) and the devbroker's
// (EMQX emulation, JWT). One Chromium for the whole file.

const targets: Record<string, () => Promise<BellBrokerTarget>> = {
  mosquitto: mosquittoBellTarget,
  devbroker: () => devbrokerBellTarget(),
}

let chromium: ChromiumFixture
let pageDir: string

beforeAll(async () => {
  pageDir = mkdtempSync(join(tmpdir(), 'tidings-bell-page-'))
  ;[chromium] = await Promise.all([launchChromium(), buildPage(pageDir)])
})
afterAll(async () => {
  await chromium?.close()
  rmSync(pageDir, { recursive: true, force: true })
})

for (const [name, startTarget] of Object.entries(targets)) {
  describe(`notification bell in Chromium, ws to ${name}`, () => {
    let target: BellBrokerTarget
    let stack: BellStack
    let context: BrowserContext
    const tabs: BellTab[] = []
    const open = async (): Promise<BellTab> => {
      const tab = await openBell(context, stack.pageUrl)
      tabs.push(tab)
      return tab
    }

    beforeAll(async () => {
      target = await startTarget()
      stack = await startBellStack({ pageDir, config: target.config, issuer: target.issuer, publish: target.publish })
      context = await chromium.newContext()
    })
    afterAll(async () => {
      await context?.close()
      await stack?.close()
      await target?.close()
      // Checked last so a page error fails the run even when it surfaced after a test's own checks.
      expect(tabs.flatMap((t) => t.errors)).toEqual([])
    })

    test('a freshly opened page shows the retained unread count at once', async () => {
      await stack.post('follow', { from: 'Lena Fischer' })
      const unread = await stack.post('like', { from: 'Omar Haddad', article: 'The quiet cost of polling' })
      const tab = await open()
      await tab.waitForBadge(String(unread), 2000)
      // The session cookie is HttpOnly: the page's scripts cannot read it.
      expect(await tab.page.evaluate(() => document.cookie)).toBe('')
      // The list (history from the API) is there too.
      await tab.page.click('#bell')
      await tab.page.waitForSelector('.notification.unread >> nth=1')
      await tab.page.waitForTimeout(300) // let the dropdown's opening animation finish for the screenshot
      await tab.screenshot(`notification-bell-${name}`)
      await tab.page.keyboard.press('Escape')
      await tab.page.close()
    })

    test('a like raises the badge within 1 s, without a refresh', async () => {
      const tab = await open()
      const before = await stack.unread()
      await tab.waitForBadge(before === 0 ? '' : String(before))
      const started = Date.now()
      const unread = await stack.post('like', { from: 'Ann Lee', article: 'Designing for calm software' })
      expect(unread).toBe(before + 1)
      await tab.waitForBadge(String(unread), 1000)
      expect(Date.now() - started).toBeLessThan(1000)
      await tab.page.waitForSelector('.notification.fresh >> text=Ann Lee', { state: 'attached', timeout: 2000 })
      await tab.page.close()
    })

    test('mark all read in one tab clears the badge in a second tab', async () => {
      await stack.post('comment', {
        from: 'Kenji Mori',
        article: 'Notes on writing every morning',
        text: 'Thank you for this.',
      })
      const [first, second] = [await open(), await open()]
      const shown = await first.badge()
      expect(Number(shown)).toBeGreaterThan(0)
      await second.waitForBadge(shown)
      await first.page.bringToFront()
      await first.page.click('#bell')
      await first.page.click('#mark-all-read')
      await first.waitForBadge('', 1000)
      await second.waitForBadge('', 2000)
      expect(await second.page.locator('.notification.unread').count()).toBe(0)
      await Promise.all([first.page.close(), second.page.close()])
    })

    test('the page shows it is reconnecting while the broker is down, then gets what is sent after the restart', async () => {
      const tab = await open()
      const before = await stack.unread()
      await tab.waitForBadge(before === 0 ? '' : String(before))
      await target.stop()
      await tab.waitForConnection('reconnecting', 10_000)
      expect(await tab.page.textContent('#connection')).toContain('Reconnecting')
      await target.start()
      await tab.waitForConnection('online', 20_000)
      const unread = await stack.post('like', { from: 'Sofia Rossi', article: 'Designing for calm software' })
      expect(unread).toBe(before + 1)
      await tab.waitForBadge(String(unread), 5000)
      await tab.page.close()
    })
  })
}

describe('the failures users hit, in Chromium', () => {
  test('a ws URL without the path the broker serves: the page keeps reconnecting and says WS_HANDSHAKE_FAILED', async () => {
    // The broker serves /realtime; the page was given a URL without a path, so the client uses /mqtt.
    const target = await devbrokerBellTarget({ wsPath: '/realtime' })
    const stack = await startBellStack({
      pageDir,
      config: { ...target.config, brokerUrl: `ws://127.0.0.1:${target.wsPort}` },
      issuer: target.issuer,
      publish: target.publish,
    })
    const context = await chromium.newContext()
    try {
      const page = await context.newPage()
      await page.goto(stack.pageUrl)
      // Browsers hide the HTTP status of a refused upgrade; the code still says what failed.
      // Read state and title in the same turn that shows the error: the next attempt clears them again.
      const seen = await page.waitForFunction(
        () => {
          const el = document.querySelector<HTMLElement>('#connection')
          return el?.dataset.error === 'WS_HANDSHAKE_FAILED' ? { state: el.dataset.connection, title: el.title } : null
        },
        undefined,
        { timeout: 10_000 },
      )
      const { state, title } = (await seen.jsonValue())!
      expect(state).toBe('reconnecting')
      expect(title).toContain(`ws://127.0.0.1:${target.wsPort}/mqtt`)
      expect(title).toMatch(/check the path/)
    } finally {
      await context.close()
      await stack.close()
      await target.close()
    }
  })
})

describe('the page bundle', () => {
  test('stays within the browser budget of @tidings/transport-ws (75 KiB minified + gzip), with both broker profiles', () => {
    const app = readFileSync(join(pageDir, 'app.js'))
    expect(gzipSync(app).length).toBeLessThanOrEqual(75 * 1024)
  })
})
