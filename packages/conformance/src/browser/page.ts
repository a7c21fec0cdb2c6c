import type { BrowserContext, Page } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Where screenshots go: `test-artifacts/` at the repository root (git-ignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url))

/** A bell page open in a tab, with what the page logged. */
export interface BellTab {
  readonly page: Page
  /** Uncaught exceptions on the page; tests expect none. */
  readonly errors: string[]
  /** The badge text, or '' while the badge is hidden. */
  badge(): Promise<string>
  /** Waits until the badge shows `text` ('' = hidden). */
  waitForBadge(text: string, timeoutMs?: number): Promise<void>
  /** Waits until the connection indicator says `state` ('online', 'reconnecting', …). */
  waitForConnection(state: string, timeoutMs?: number): Promise<void>
  screenshot(name: string): Promise<string>
}

/** Opens the bell page in a new tab of `context` and waits until it is live. */
export async function openBell(context: BrowserContext, url: string): Promise<BellTab> {
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  const tab: BellTab = {
    page,
    errors,
    badge: () =>
      page.evaluate(() => {
        const badge = document.getElementById('bell-badge')!
        return badge.hidden ? '' : (badge.textContent ?? '')
      }),
    async waitForBadge(text, timeoutMs = 5000) {
      await page.waitForFunction(
        (expected) => {
          const badge = document.getElementById('bell-badge')!
          return (badge.hidden ? '' : badge.textContent) === expected
        },
        text,
        { timeout: timeoutMs, polling: 20 },
      )
    },
    async waitForConnection(state, timeoutMs = 10_000) {
      await page.waitForSelector(`#connection[data-connection="${state}"]`, { timeout: timeoutMs, state: 'attached' })
    },
    async screenshot(name) {
      mkdirSync(ARTIFACTS_DIR, { recursive: true })
      const path = `${ARTIFACTS_DIR}${name}.png`
      await page.screenshot({ path })
      return path
    },
  }
  await page.goto(url)
  await tab.waitForConnection('online', 15_000)
  return tab
}
