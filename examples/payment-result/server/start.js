// @ts-check
// Runs the merchant backend against a broker: BROKER_URL=mqtt://127.0.0.1:1883 PORT=3000 pnpm backend
import { startMerchantBackend } from './backend.js'

const backend = await startMerchantBackend({
  brokerUrl: process.env.BROKER_URL ?? 'mqtt://127.0.0.1:1883',
  port: Number(process.env.PORT ?? 3000),
})
console.log(`merchant backend at ${backend.url} (POST /api/consume {"cardId":"…"})`)
