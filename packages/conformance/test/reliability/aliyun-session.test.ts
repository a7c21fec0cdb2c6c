import { signatureCredentials } from '@tidings/aliyun/server'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalAliyunCloud, type LocalAliyunCloud } from '../../src/aliyun/index.js'

// Persistent sessions on the Aliyun emulator, with plain MQTT.js clients: kept for QoS 1, and, as on
// Aliyun, not kept once the session subscribes at QoS 2 (Aliyun treats that client as clean).
describe('Aliyun emulator: persistent sessions', () => {
  let cloud: LocalAliyunCloud
  const opened: MqttClient[] = []
  beforeAll(async () => {
    cloud = await startLocalAliyunCloud()
  })
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.endAsync(true).catch(() => {})))
    await cloud?.close()
  })

  /** Connects; `got` collects messages from the first packet on, so what a kept session delivers counts. */
  function open(
    clientId: string,
    clean: boolean,
    got: string[] = [],
  ): Promise<{ client: MqttClient; sessionPresent: boolean }> {
    const client = mqtt.connect(`mqtt://127.0.0.1:${cloud.broker.tcpPort}`, {
      clientId,
      ...signatureCredentials({
        accessKeyId: cloud.accessKeyId,
        accessKeySecret: cloud.accessKeySecret,
        instanceId: cloud.instanceId,
        clientId,
      }),
      clean,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 3000,
    })
    opened.push(client)
    client.on('message', (_topic, payload) => void got.push(String(payload)))
    return new Promise((resolve, reject) => {
      client.once('connect', (packet) => resolve({ client, sessionPresent: packet.sessionPresent }))
      client.once('error', reject)
    })
  }

  /** Subscribes at `qos` on a persistent session, leaves, has a message published, and returns. */
  async function awayAndBack(device: string, qos: 1 | 2): Promise<{ sessionPresent: boolean; got: string[] }> {
    const clientId = `GID_test@@@${device}`
    const first = await open(clientId, false)
    await first.client.subscribeAsync('conf/session', { qos })
    await first.client.endAsync()
    const pub = await open(`GID_test@@@${device}pub`, true)
    await pub.client.publishAsync('conf/session', 'while away', { qos: 1 })
    const got: string[] = []
    const again = await open(clientId, false, got)
    await new Promise((r) => setTimeout(r, 500))
    return { sessionPresent: again.sessionPresent, got }
  }

  it('QoS 1: the session and what was published meanwhile are kept', async () => {
    expect(await awayAndBack('s1', 1)).toEqual({ sessionPresent: true, got: ['while away'] })
  })

  it('QoS 2 on a persistent session: treated as clean, nothing kept (never kinder than Aliyun)', async () => {
    expect(await awayAndBack('s2', 2)).toEqual({ sessionPresent: false, got: [] })
  })
})
