import { randomBytes } from 'node:crypto'
import { connectMqtt } from '@tidings/mosquitto/server'
import type { MqttClient } from 'mqtt'
import { ADMIN, type DynsecBroker } from './helpers.js'

const CONTROL = '$CONTROL/dynamic-security/v1'
const RESPONSE = `${CONTROL}/response`

/** What the plugin answered to a raw control message, by correlation data, plus answers without any. */
export interface RawAnswers {
  byId: Map<string, { command: string; error?: string; data?: unknown }>
  uncorrelated: unknown[]
}

/**
 * The dynsec control topic spoken directly over MQTT, with none of `createDynsec`'s checks: what any admin
 * tool (or a backend building JSON itself) would send. Tests use it to show what Mosquitto does with a
 * value before showing that the public API refuses it.
 */
export interface RawControl {
  /** Sends the commands in one message; waits until each has an answer or `waitMs` passed. */
  send(commands: Array<Record<string, unknown>>, waitMs?: number): Promise<RawAnswers>
  close(): Promise<void>
}

export async function rawControl(env: DynsecBroker): Promise<RawControl> {
  const client: MqttClient = await connectMqtt({ url: env.url, username: ADMIN.admin, password: ADMIN.password })
  await client.subscribeAsync(RESPONSE, { qos: 1 })
  return {
    async send(commands, waitMs = 2000) {
      const prefix = randomBytes(4).toString('hex')
      const ids = commands.map((_, i) => `${prefix}-${i}`)
      const answers: RawAnswers = { byId: new Map(), uncorrelated: [] }
      const onMessage = (topic: string, payload: Buffer): void => {
        if (topic !== RESPONSE) return
        const { responses } = JSON.parse(payload.toString('utf8')) as { responses?: Array<Record<string, unknown>> }
        for (const r of responses ?? []) {
          const id = r.correlationData
          if (typeof id === 'string' && ids.includes(id)) {
            answers.byId.set(id, r as { command: string; error?: string })
          } else if (typeof id !== 'string') {
            answers.uncorrelated.push(r)
          }
        }
      }
      client.on('message', onMessage)
      try {
        const payload = JSON.stringify({ commands: commands.map((c, i) => ({ ...c, correlationData: ids[i] })) })
        await client.publishAsync(CONTROL, payload, { qos: 1 })
        const deadline = Date.now() + waitMs
        while (answers.byId.size < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      } finally {
        client.off('message', onMessage)
      }
      // Re-key by position so tests read answers in command order.
      const ordered = new Map<string, { command: string; error?: string; data?: unknown }>()
      ids.forEach((id, i) => {
        const a = answers.byId.get(id)
        if (a) ordered.set(String(i), a)
      })
      return { byId: ordered, uncorrelated: answers.uncorrelated }
    },
    close: () => client.endAsync(),
  }
}
