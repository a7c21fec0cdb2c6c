import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { aliyunEmulation, type AliyunEmulation, type AliyunEmulationOptions } from '@tidings/devbroker/aliyun'
import { startFakeAliyunOpenApi, type FakeAliyunOpenApi } from './fake-openapi.js'

/** A local stand-in for an Aliyun MQTT instance: the emulated broker plus its OpenAPI, sharing token state. */
export interface LocalAliyunCloud {
  readonly instanceId: string
  readonly accessKeyId: string
  readonly accessKeySecret: string
  readonly broker: DevBroker
  readonly emulation: AliyunEmulation
  readonly openApi: FakeAliyunOpenApi
  close(): Promise<void>
}

/** Starts the emulated broker and fake OpenAPI on loopback with one AccessKey. */
export async function startLocalAliyunCloud(
  overrides: Partial<AliyunEmulationOptions> = {},
): Promise<LocalAliyunCloud> {
  const instanceId = 'mqtt-cn-test'
  const accessKeyId = 'LTAItestkey'
  const accessKeySecret = 'testSecret123'
  const emulation = aliyunEmulation({
    instanceId,
    accessKeys: { [accessKeyId]: accessKeySecret },
    groups: ['GID_web', 'GID_backend', 'GID_test', 'GID_locks'],
    parentTopics: ['notify', 'orders', 'conf'],
    ...overrides,
  })
  const broker = await startDevBroker({ emulate: emulation })
  const openApi = await startFakeAliyunOpenApi({ emulation, accessKeys: { [accessKeyId]: accessKeySecret } })
  return {
    instanceId,
    accessKeyId,
    accessKeySecret,
    broker,
    emulation,
    openApi,
    async close() {
      await openApi.close()
      await broker.close()
    },
  }
}
