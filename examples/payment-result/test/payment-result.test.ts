import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildBundle,
  createFakePlatform,
  loadMiniProgram,
  wsWire,
  type FakePlatform,
  type MiniProgramSandbox,
} from '../../../packages/conformance/src/wechat/index.js'
// @ts-expect-error: the backend is plain JavaScript (with JSDoc types), run by Node as it is.
import { createLedger, startMerchantBackend } from '../server/backend.js'

const PAGE = join(__dirname, '..', 'miniprogram', 'pages', 'giftcard', 'giftcard.js')

interface PageInstance {
  data: {
    status: string
    qrText: string
    result: { cardId: string; status: string; amount: number; balance: number } | null
    message: string
  }
  done: Promise<void>
  onLoad(query: Record<string, string>): void
  onUnload(): void
}

let broker: DevBroker
let backend: { url: string; close(): Promise<void> }
beforeAll(async () => {
  await buildBundle()
  broker = await startDevBroker()
  backend = await startMerchantBackend({ brokerUrl: broker.mqttUrl })
}, 60_000)
afterAll(async () => {
  await backend?.close()
  await broker?.close()
})

/** A mini-program running the gift-card page in the sandbox, with a `wx` on real sockets and HTTP. */
function openMiniProgram(waitMs: number): {
  sandbox: MiniProgramSandbox
  platform: FakePlatform
  requests: string[]
  open(cardId: string): PageInstance
} {
  let sandbox: MiniProgramSandbox | undefined
  const platform = createFakePlatform('wx', { wire: wsWire(), arrayBuffer: (bytes) => sandbox!.arrayBuffer(bytes) })
  const requests: string[] = []
  // wx.request over Node's fetch, with the documented callback shape.
  platform.api.request = (options: {
    url: string
    method?: string
    success?: (r: unknown) => void
    fail?: (r: unknown) => void
  }) => {
    requests.push(`${options.method ?? 'GET'} ${options.url}`)
    fetch(options.url, { method: options.method ?? 'GET' }).then(
      async (res) => options.success?.({ statusCode: res.status, data: await res.json(), header: {} }),
      (error: Error) => options.fail?.({ errMsg: `request:fail ${error.message}` }),
    )
  }
  const pages: Array<Record<string, unknown>> = []
  const globalData = {
    brokerUrl: broker.wsUrl,
    brokerCapabilities: { mqtt5: false },
    apiBase: backend.url,
    waitMs,
    // Loopback ws:// only works in DevTools with domain checks off; the guard would say so.
    transport: { production: 'off' },
  }
  sandbox = loadMiniProgram({
    globals: {
      wx: platform.api,
      Page: (config: Record<string, unknown>) => pages.push(config),
      getApp: () => ({ globalData }),
    },
  })
  const box = sandbox
  return {
    sandbox,
    platform,
    requests,
    open(cardId) {
      box.runModule(PAGE)
      const config = pages.at(-1)!
      // What the framework does for a page: its own data object and setData.
      const page = Object.assign(Object.create(null), config, {
        data: { ...(config.data as object) },
        setData(patch: object) {
          Object.assign(this.data, patch)
        },
      }) as PageInstance
      page.onLoad({ cardId })
      return page
    },
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const consume = async (cardId: string, amount = 30): Promise<{ status: string; balance: number }> => {
  const res = await fetch(`${backend.url}/api/consume`, { method: 'POST', body: JSON.stringify({ cardId, amount }) })
  expect(res.status).toBe(200)
  return (await res.json()) as { status: string; balance: number }
}

describe('payment-result example', () => {
  it('shows the code only once subscribed, and gets the result pushed the moment the merchant consumes the card', async () => {
    const app = openMiniProgram(30_000)
    const page = app.open('card-push')
    try {
      await until(() => page.data.status === 'showing', 5000, 'code on screen')
      expect(page.data.qrText).toBe('giftcard:card-push')
      // The subscription exists on the broker before the code is shown.
      expect(broker.aedes.connectedClients).toBeGreaterThanOrEqual(2)

      const scanned = Date.now()
      const answer = await consume('card-push', 30)
      expect(answer).toMatchObject({ status: 'consumed', balance: 70 })
      await until(() => page.data.status === 'done', 2000, 'result on screen')
      expect(Date.now() - scanned).toBeLessThan(2000)
      expect(page.data.result).toMatchObject({ cardId: 'card-push', status: 'consumed', amount: 30, balance: 70 })
      expect(app.requests).toEqual([])
    } finally {
      page.onUnload()
      await page.done
      app.sandbox.dispose()
    }
  })

  it('falls back to one HTTP query when the push does not come in time', async () => {
    // Consumed while the app was away: the push went out to nobody.
    await consume('card-away', 50)
    const app = openMiniProgram(300)
    const page = app.open('card-away')
    try {
      await page.done
      expect(page.data.status).toBe('done')
      expect(page.data.result).toMatchObject({ cardId: 'card-away', status: 'consumed', balance: 50 })
      expect(app.requests).toEqual([`GET ${backend.url}/api/cards/card-away/result`])
    } finally {
      page.onUnload()
      app.sandbox.dispose()
    }
  })

  it('tells the user when the card is refused', async () => {
    const app = openMiniProgram(30_000)
    const page = app.open('card-twice')
    try {
      await until(() => page.data.status === 'showing', 5000, 'code on screen')
      await consume('card-twice', 200)
      await page.done
      expect(page.data.result).toMatchObject({ status: 'rejected', reason: 'insufficient balance' })
    } finally {
      page.onUnload()
      app.sandbox.dispose()
    }
  })
})

describe('the amount a scan consumes', () => {
  const post = (body: string): Promise<Response> =>
    fetch(`${backend.url}/api/consume`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })

  it('is trusted by the ledger itself, so without the check a negative amount would credit the card', () => {
    const ledger = createLedger()
    expect(ledger.consume('card-credit', -50)).toMatchObject({ status: 'consumed', balance: 150 })
    expect(ledger.balance('card-credit')).toBe(150)
    ledger.consume('card-nan', Number('abc'))
    expect(ledger.balance('card-nan')).toBeNaN()
  })

  it.each([
    ['negative', -50],
    ['zero', 0],
    ['fractional', 12.5],
    ['a numeric string', '30'],
    ['a word', 'abc'],
    ['null', null],
    ['beyond the safe integers', 2 ** 53],
  ])('refuses %s with a 400 and leaves the balance unchanged', async (_, amount) => {
    const cardId = `card-bad-${Math.random().toString(36).slice(2, 10)}`
    const res = await post(JSON.stringify({ cardId, amount }))
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'amount must be a positive whole number' })
    // Nothing was consumed: a valid scan afterwards starts from the full balance.
    expect(await consume(cardId, 30)).toMatchObject({ status: 'consumed', balance: 70 })
  })

  it('refuses a body that is not a JSON object with a 400', async () => {
    const res = await post('{"cardId": "card-broken", ')
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'body must be a JSON object' })
  })
})
