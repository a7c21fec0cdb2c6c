import { chromium, type Browser, type BrowserContext } from 'playwright-core'
import { requireBinary } from '../fixtures/require-binary.js'

/** Options of {@link launchChromium}. */
export interface LaunchChromiumOptions {
  /**
   * SHA-256 hashes (base64) of public keys whose certificates Chromium accepts without a trusted CA, for
   * wss to a server with a self-signed certificate. See `spkiHash()` in `certs.ts`.
   */
  trustSpki?: string[]
}

/** A headless Chromium for tests; `close()` ends it. */
export interface ChromiumFixture {
  readonly browser: Browser
  /** A fresh, isolated context (its own cookies and storage), as a new user would have. */
  newContext(): Promise<BrowserContext>
  close(): Promise<void>
}

// Quiet, reproducible runs: no background downloads, updates, sync or first-run UI.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/**
 * Launches the system Chromium (Debian's `chromium`) through playwright-core. A missing binary fails
 * loudly; no browser is ever downloaded. Playwright gives the browser a fresh temporary profile.
 */
export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<ChromiumFixture> {
  const executablePath = requireBinary('chromium')
  const args = [...ARGS]
  if (options.trustSpki?.length) args.push(`--ignore-certificate-errors-spki-list=${options.trustSpki.join(',')}`)
  const browser = await chromium.launch({ executablePath, headless: true, args, timeout: 30_000 })
  return {
    browser,
    newContext: () => browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 }),
    close: () => browser.close(),
  }
}
