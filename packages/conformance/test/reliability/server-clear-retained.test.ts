import { json, topic, type MessageMeta, type TidingsClient } from '@tidings/core'
import { describe, expect, test } from 'vitest'
import {
  aliyunTarget,
  createPushBackend,
  emqxTarget,
  mosquittoTarget,
  type CrossBrokerEnv,
} from '../../src/cross-broker/index.js'

// The bell topic of the cross-broker entries (so issued grants cover it), declared retained.
const status = topic('notify/{userId}/bell', json<{ text: string }>(), { qos: 1, retain: true })
const QUIET_MS = 300

/** Polls `check` until it holds or 5 s pass. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
}

/** Starts a target, runs `body` with a connected device of user `ann`, and tears everything down. */
async function withDevice(
  start: () => Promise<CrossBrokerEnv>,
  body: (env: CrossBrokerEnv, device: TidingsClient) => Promise<void>,
): Promise<void> {
  const env = await start()
  let device: TidingsClient | undefined
  try {
    const backend = createPushBackend({
      issuer: env.issuer,
      publisher: env.publisher,
      ...(env.clientIdFor ? { clientIdFor: env.clientIdFor } : {}),
    })
    device = env.deviceClient(await backend.credentialsFor('ann'))
    device.on('error', () => {})
    await device.connect()
    await body(env, device)
  } finally {
    await device?.close({ force: true })
    await env.close()
  }
}

describe.each([mosquittoTarget, emqxTarget])('ServerPublisher.clearRetained on $name', (target) => {
  test('typed and string forms clear the retained message; a typed subscriber sees onCleared', async () => {
    await withDevice(
      () => target.start(),
      async (env, device) => {
        for (const clear of [
          () => env.publisher.clearRetained(status, { userId: 'ann' }),
          () => env.publisher.clearRetained('notify/ann/bell', { qos: 1 }),
        ]) {
          await env.publisher.publish(status, { userId: 'ann' }, { text: 'kept' })
          const values: Array<{ text: string; retain: boolean }> = []
          const cleared: MessageMeta[] = []
          const subscription = await device.subscribe(
            status,
            { userId: 'ann' },
            (v, meta) => void values.push({ text: v.text, retain: meta.retain }),
            { onCleared: (meta) => void cleared.push(meta) },
          )
          await until(() => values.length > 0)
          expect(values).toEqual([{ text: 'kept', retain: true }])

          await clear()
          await until(() => cleared.length > 0)
          expect(cleared).toHaveLength(1)
          expect(cleared[0]).toMatchObject({ topic: 'notify/ann/bell', cleared: true })
          await subscription.unsubscribe()

          // Subscribing again: the broker has nothing retained for the topic any more.
          const after: unknown[] = []
          const again = await device.subscribe(status, { userId: 'ann' }, (v) => void after.push(v), {
            onCleared: (meta) => void after.push(meta),
          })
          await new Promise((r) => setTimeout(r, QUIET_MS))
          expect(after).toEqual([])
          await again.unsubscribe()
        }
      },
    )
  })

  test('a bad topic is refused before anything is sent', async () => {
    await withDevice(
      () => target.start(),
      async (env) => {
        await expect(env.publisher.clearRetained('notify/+/bell')).rejects.toMatchObject({ code: 'INVALID_TOPIC' })
        // A param that would widen the name into a filter.
        await expect(env.publisher.clearRetained(status, { userId: '#' })).rejects.toMatchObject({
          code: 'INVALID_TOPIC',
        })
      },
    )
  })
})

describe('ServerPublisher.clearRetained on Aliyun', () => {
  test('UNSUPPORTED, with the reason: Aliyun has no retained messages', async () => {
    const env = await aliyunTarget.start()
    try {
      for (const attempt of [
        env.publisher.clearRetained(status, { userId: 'ann' }),
        env.publisher.clearRetained('notify/ann/bell'),
      ])
        await expect(attempt).rejects.toMatchObject({
          code: 'UNSUPPORTED',
          message: expect.stringMatching(/no retained messages/),
        })
    } finally {
      await env.close()
    }
  })
})
