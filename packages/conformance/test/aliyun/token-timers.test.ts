import { aliyun, tokenAuth } from '@tidings/aliyun'
import { aliyunCredentialIssuer, createAliyunMqttApi } from '@tidings/aliyun/server'
import { createClient, type Timers } from '@tidings/core'
import { tcp } from '@tidings/transport-node'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startLocalAliyunCloud, type LocalAliyunCloud } from '../../src/aliyun/index.js'

// ClientOptions.timers reach the Aliyun token refresh through the profile session: a real client on the
// emulator, with timers that delegate to the platform's and record what they were asked.

let cloud: LocalAliyunCloud
beforeAll(async () => {
  cloud = await startLocalAliyunCloud()
})
afterAll(() => cloud.close())

test('the in-session token refresh is scheduled and cancelled through the client timers', async () => {
  const api = createAliyunMqttApi({
    accessKeyId: cloud.accessKeyId,
    accessKeySecret: cloud.accessKeySecret,
    endpoint: cloud.openApi.endpoint,
    instanceId: cloud.instanceId,
  })
  const issuer = aliyunCredentialIssuer(api)
  const calls: Array<{ ms: number; handle: unknown }> = []
  const cleared = new Set<unknown>()
  const timers: Timers = {
    setTimeout(callback, ms) {
      const handle = setTimeout(callback, ms)
      calls.push({ ms, handle })
      return handle
    },
    clearTimeout(handle) {
      cleared.add(handle)
      clearTimeout(handle as ReturnType<typeof setTimeout>)
    },
  }
  const client = createClient({
    broker: aliyun({
      instanceId: cloud.instanceId,
      groupId: 'GID_web',
      deviceId: 'timers1',
      host: '127.0.0.1',
      ports: { mqtt: cloud.broker.tcpPort },
      credentials: tokenAuth({
        accessKeyId: cloud.accessKeyId,
        refreshBeforeMs: 300_000,
        fetchToken: ({ clientId }) =>
          issuer.issue({ userId: 'timers1', clientId, subscribe: ['notify/timers1/#'], publish: [], ttlSeconds: 3600 }),
      }),
    }),
    transport: tcp(),
    timers,
    reconnect: false,
  })
  try {
    await client.connect()
    // An hour-long token, refreshed 5 minutes before it expires.
    const refresh = calls.find((c) => Math.abs(c.ms - 3300_000) < 5000)
    expect(refresh).toBeDefined()
    expect(cleared.has(refresh!.handle)).toBe(false)
    await client.close()
    expect(cleared.has(refresh!.handle)).toBe(true)
  } finally {
    await client.close({ force: true })
  }
})
