// @ts-check
/**
 * The merchant backend of the example: the cashier's scanner calls `POST /api/consume` with the card id
 * read from the QR code; the backend consumes the card and pushes the result to the user's
 * mini-program on `giftcard/{cardId}/result` (QoS 1). `GET /api/cards/{cardId}/result` is the fallback
 * the mini-program queries if the push did not arrive in time.
 */
import { createClient, genericBroker, json, topic } from '@tidings/core'
import { tcp } from '@tidings/transport-node'
import { createServer } from 'node:http'

/**
 * @typedef {{ cardId: string, status: 'consumed' | 'rejected', amount: number, balance: number, reason?: string, at: string }} ConsumeResult
 */

/** The topic the mini-program waits on. Same template and codec on both sides. */
export const consumeResult = topic('giftcard/{cardId}/result', json(), { qos: 1 })

/**
 * Starts the backend on loopback.
 * @param {{ brokerUrl: string, port?: number, host?: string, cards?: Record<string, number> }} options
 *   `brokerUrl` is the broker's TCP URL (`mqtt://127.0.0.1:1883`); `cards` maps card ids to balances
 *   (default: every card holds 100).
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startMerchantBackend(options) {
  const ledger = createLedger(options.cards)
  const client = createClient({
    broker: genericBroker({ url: options.brokerUrl, capabilities: { mqtt5: false } }),
    transport: tcp(),
  })
  client.on('error', (error) => console.error(`[merchant] ${error.message}`))
  await client.connect()

  const server = createServer(async (req, res) => {
    const send = (/** @type {number} */ status, /** @type {unknown} */ body) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (req.method === 'POST' && url.pathname === '/api/consume') {
        const body = parseBody(await readBody(req))
        if (!body) return send(400, { error: 'body must be a JSON object' })
        const cardId = String(body.cardId ?? '')
        if (!/^[\w-]{1,64}$/.test(cardId)) return send(400, { error: 'cardId must be 1-64 letters, digits, _ or -' })
        const amount = body.amount === undefined ? DEFAULT_AMOUNT : body.amount
        // Checked before anything is consumed: a negative amount would credit the card, and NaN or a
        // fraction would corrupt its balance.
        if (!isAmount(amount)) return send(400, { error: 'amount must be a positive whole number' })
        const result = ledger.consume(cardId, amount)
        // Pushed before answering the scanner: the user's screen changes as the cashier's does.
        await client.publish(consumeResult, { cardId }, result)
        return send(200, result)
      }
      const match = /^\/api\/cards\/([\w-]{1,64})\/result$/.exec(url.pathname)
      if (req.method === 'GET' && match) {
        const result = ledger.result(/** @type {string} */ (match[1]))
        return result ? send(200, result) : send(404, { status: 'pending' })
      }
      send(404, { error: 'not found' })
    } catch (error) {
      send(500, { error: error instanceof Error ? error.message : String(error) })
    }
  })
  await new Promise((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(undefined)),
  )
  const address = /** @type {import('node:net').AddressInfo} */ (server.address())
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(() => resolve(undefined)))
      await client.close()
    },
  }
}

/**
 * The cards and their results, in memory (a real merchant keeps them in its database). `consume` trusts its
 * `amount`: the HTTP handler checks it with {@link isAmount} first.
 * @param {Record<string, number>} [cards] card ids and balances; without it every card holds 100
 */
export function createLedger(cards) {
  const balances = new Map(Object.entries(cards ?? {}))
  /** @type {Map<string, ConsumeResult>} */
  const results = new Map()
  /** @param {string} cardId */
  const balanceOf = (cardId) => balances.get(cardId) ?? (cards ? 0 : 100)
  return {
    balance: balanceOf,
    /** @param {string} cardId */
    result: (cardId) => results.get(cardId),
    /** @param {string} cardId @param {number} amount @returns {ConsumeResult} */
    consume(cardId, amount) {
      const balance = balanceOf(cardId)
      const at = new Date().toISOString()
      if (results.get(cardId)?.status === 'consumed')
        return { cardId, status: 'rejected', amount, balance, reason: 'already used', at }
      if (amount > balance) return { cardId, status: 'rejected', amount, balance, reason: 'insufficient balance', at }
      balances.set(cardId, balance - amount)
      /** @type {ConsumeResult} */
      const result = { cardId, status: 'consumed', amount, balance: balance - amount, at }
      results.set(cardId, result)
      return result
    },
  }
}

/** What a scan consumes when the request names no amount. */
const DEFAULT_AMOUNT = 30

/**
 * An amount the card can be charged: a safe integer above zero. Strings such as `"30"` are refused too, so a
 * client bug shows up as a 400 instead of a silent conversion.
 * @param {unknown} value
 * @returns {value is number}
 */
export function isAmount(value) {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}

/** @param {string} text @returns {Record<string, unknown> | undefined} */
function parseBody(text) {
  if (text.trim() === '') return {}
  try {
    const parsed = JSON.parse(text)
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

/** @param {import('node:http').IncomingMessage} req @returns {Promise<string>} */
async function readBody(req) {
  let body = ''
  for await (const chunk of req) {
    body += chunk
    if (body.length > 10_000) throw new Error('body too large')
  }
  return body
}
