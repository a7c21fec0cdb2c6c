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
  const balances = new Map(Object.entries(options.cards ?? {}))
  /** @type {Map<string, ConsumeResult>} */
  const results = new Map()
  const client = createClient({
    broker: genericBroker({ url: options.brokerUrl, capabilities: { mqtt5: false } }),
    transport: tcp(),
  })
  client.on('error', (error) => console.error(`[merchant] ${error.message}`))
  await client.connect()

  /** @param {string} cardId @param {number} amount @returns {ConsumeResult} */
  const consume = (cardId, amount) => {
    const balance = balances.get(cardId) ?? (options.cards ? 0 : 100)
    const at = new Date().toISOString()
    if (results.get(cardId)?.status === 'consumed')
      return { cardId, status: 'rejected', amount, balance, reason: 'already used', at }
    if (amount > balance) return { cardId, status: 'rejected', amount, balance, reason: 'insufficient balance', at }
    balances.set(cardId, balance - amount)
    return { cardId, status: 'consumed', amount, balance: balance - amount, at }
  }

  const server = createServer(async (req, res) => {
    const send = (/** @type {number} */ status, /** @type {unknown} */ body) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (req.method === 'POST' && url.pathname === '/api/consume') {
        const body = JSON.parse((await readBody(req)) || '{}')
        const cardId = String(body.cardId ?? '')
        if (!/^[\w-]{1,64}$/.test(cardId)) return send(400, { error: 'cardId must be 1-64 letters, digits, _ or -' })
        const result = consume(cardId, Number(body.amount ?? 30))
        if (result.status === 'consumed') results.set(cardId, result)
        // Pushed before answering the scanner: the user's screen changes as the cashier's does.
        await client.publish(consumeResult, { cardId }, result)
        return send(200, result)
      }
      const match = /^\/api\/cards\/([\w-]{1,64})\/result$/.exec(url.pathname)
      if (req.method === 'GET' && match) {
        const result = results.get(/** @type {string} */ (match[1]))
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

/** @param {import('node:http').IncomingMessage} req @returns {Promise<string>} */
async function readBody(req) {
  let body = ''
  for await (const chunk of req) {
    body += chunk
    if (body.length > 10_000) throw new Error('body too large')
  }
  return body
}
