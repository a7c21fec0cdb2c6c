import { randomBytes } from 'node:crypto'
import { TidingsError } from '@tidings/core'
import { redactText } from '@tidings/core/server'
import type { MqttClient } from 'mqtt'
import type { DynsecCommand, DynsecResult } from './dynsec-types.js'
import { checkCommand } from './command-check.js'
import { ADAPTER, safeCause } from './errors.js'

export const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1'
export const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`

/** Correlated request/response over the control topic. */
export interface DynsecChannel {
  /**
   * Sends a command (batched with the others of the same tick) and resolves with the plugin's answer to it.
   * A command that would corrupt its batch (a NUL or a lone surrogate in any string) rejects alone with
   * INVALID_OPTIONS and is never sent.
   */
  submit(command: DynsecCommand): Promise<DynsecResult>
  /** Rejects everything still waiting with CLIENT_CLOSED. */
  close(): void
}

interface Pending {
  resolve(result: DynsecResult): void
  reject(error: TidingsError): void
  timer: ReturnType<typeof setTimeout>
}

/**
 * Every command carries its own `correlationData`, echoed by the plugin in its answer, so commands of one
 * message settle one by one and several admin connections (or `mosquitto_ctrl`) can share the response
 * topic: each channel has a random prefix and ignores answers that are not its own.
 */
export function openDynsecChannel(client: MqttClient, options: { timeoutMs: number; maxBatch: number }): DynsecChannel {
  const prefix = randomBytes(6).toString('hex')
  const pending = new Map<string, Pending>()
  let queued: Array<{ id: string; command: DynsecCommand }> = []
  let seq = 0
  let closed = false

  const settle = (id: string, outcome: { result: DynsecResult } | { error: TidingsError }): void => {
    const entry = pending.get(id)
    if (!entry) return
    pending.delete(id)
    clearTimeout(entry.timer)
    if ('result' in outcome) entry.resolve(outcome.result)
    else entry.reject(outcome.error)
  }

  const flush = (): void => {
    const all = queued
    queued = []
    for (let i = 0; i < all.length; i += options.maxBatch) {
      const batch = all.slice(i, i + options.maxBatch)
      const payload = JSON.stringify({
        commands: batch.map(({ id, command }) => ({ ...command, correlationData: id })),
      })
      // QoS 1 so that an account without rights on the control topic learns it from the PUBACK (MQTT 5)
      // instead of waiting for a timeout.
      client.publish(CONTROL_TOPIC, payload, { qos: 1 }, (error) => {
        if (!error) return
        const code = (error as { code?: unknown }).code === 0x87 ? 'NOT_AUTHORIZED' : 'API_UNAVAILABLE'
        for (const { id, command } of batch) {
          settle(id, {
            error: new TidingsError(code, `dynsec ${command.command} could not be sent: ${redactText(error.message)}`, {
              adapter: ADAPTER,
              cause: safeCause(error),
            }),
          })
        }
      })
    }
  }

  const onMessage = (topic: string, payload: Buffer): void => {
    if (topic !== RESPONSE_TOPIC) return
    let responses: unknown
    try {
      responses = (JSON.parse(payload.toString('utf8')) as { responses?: unknown }).responses
    } catch {
      return
    }
    if (!Array.isArray(responses)) return
    for (const response of responses as Array<Record<string, unknown>>) {
      const id = response.correlationData
      if (typeof id !== 'string' || !id.startsWith(prefix)) continue
      const result: DynsecResult = { command: String(response.command) }
      if (typeof response.error === 'string') result.error = response.error
      if (response.data && typeof response.data === 'object') result.data = response.data as Record<string, unknown>
      settle(id, { result })
    }
  }
  client.on('message', onMessage)

  return {
    submit(command) {
      if (closed)
        return Promise.reject(
          new TidingsError('CLIENT_CLOSED', 'the dynsec connection is closed', { adapter: ADAPTER }),
        )
      const invalid = checkCommand(command)
      if (invalid) return Promise.reject(invalid)
      const id = `${prefix}-${++seq}`
      return new Promise<DynsecResult>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            settle(id, {
              error: new TidingsError(
                'TIMEOUT',
                `dynsec ${command.command} got no answer within ${options.timeoutMs} ms`,
                { adapter: ADAPTER },
              ),
            }),
          options.timeoutMs,
        )
        pending.set(id, { resolve, reject, timer })
        // Commands issued in the same tick travel in one message; the plugin runs them in order.
        if (queued.length === 0) queueMicrotask(flush)
        queued.push({ id, command })
      })
    },
    close() {
      closed = true
      client.off('message', onMessage)
      queued = []
      for (const id of [...pending.keys()]) {
        settle(id, {
          error: new TidingsError('CLIENT_CLOSED', 'the dynsec connection was closed', { adapter: ADAPTER }),
        })
      }
    },
  }
}
