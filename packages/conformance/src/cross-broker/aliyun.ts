import { aliyun, tokenAuth } from '@tidings/aliyun'
import { aliyunCredentialIssuer, aliyunServerPublisher, createAliyunMqttApi } from '@tidings/aliyun/server'
import { createClient } from '@tidings/core'
import { websocket } from '@tidings/transport-ws'
import { WebSocket } from 'ws'
import { startLocalAliyunCloud } from '../aliyun/index.js'
import type { CrossBrokerTarget } from './target.js'

const GROUP_ID = 'GID_web'

/** The Aliyun emulator: Token-mode credentials through ApplyToken, pushes through SendMessage (fake OpenAPI). */
export const aliyunTarget: CrossBrokerTarget = {
  name: 'aliyun emulator (token + SendMessage)',
  async start() {
    const cloud = await startLocalAliyunCloud()
    const api = createAliyunMqttApi({
      accessKeyId: cloud.accessKeyId,
      accessKeySecret: cloud.accessKeySecret,
      endpoint: cloud.openApi.endpoint,
      instanceId: cloud.instanceId,
      retryBaseMs: 10,
    })
    return {
      issuer: aliyunCredentialIssuer(api, { groupId: GROUP_ID }),
      publisher: aliyunServerPublisher(api),
      // Aliyun client ids are `<group>@@@<device>`.
      clientIdFor: (userId) => `${GROUP_ID}@@@${userId}`,
      deviceClient: (creds) =>
        createClient({
          broker: aliyun({
            instanceId: cloud.instanceId,
            groupId: GROUP_ID,
            deviceId: creds.clientId.slice(`${GROUP_ID}@@@`.length),
            host: '127.0.0.1',
            ports: { ws: cloud.broker.wsPort },
            credentials: tokenAuth({
              accessKeyId: cloud.accessKeyId,
              fetchToken: () => ({ password: creds.password, expiresAt: creds.expiresAt }),
            }),
          }),
          transport: websocket({ WebSocket }),
          reconnect: false,
        }),
      close: () => cloud.close(),
    }
  },
}
