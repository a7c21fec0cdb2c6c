import { aliyun, tokenAuth } from '@tidings/aliyun'
import { aliyunCredentialIssuer, createAliyunMqttApi } from '@tidings/aliyun/server'
import { tcp } from '@tidings/transport-node'
import { describeConformance } from '../../src/suite.case.js'
import { startLocalAliyunCloud } from '../../src/aliyun/index.js'

// The shared behaviour suite against the Aliyun emulator, with token auth issued through the fake OpenAPI.
describeConformance('aliyun (emulated) over tcp, token auth', async () => {
  const cloud = await startLocalAliyunCloud()
  const api = createAliyunMqttApi({
    accessKeyId: cloud.accessKeyId,
    accessKeySecret: cloud.accessKeySecret,
    endpoint: cloud.openApi.endpoint,
    instanceId: cloud.instanceId,
  })
  const issuer = aliyunCredentialIssuer(api)
  let device = 0
  const profile = (fetchToken: Parameters<typeof tokenAuth>[0]['fetchToken']) =>
    aliyun({
      instanceId: cloud.instanceId,
      groupId: 'GID_test',
      deviceId: `conf${++device}`,
      host: '127.0.0.1',
      ports: { mqtt: cloud.broker.tcpPort },
      credentials: tokenAuth({ accessKeyId: cloud.accessKeyId, fetchToken }),
    })
  return {
    // Aliyun has no retained messages; QoS 2 works on clean sessions, which the suite uses. It keeps QoS 1
    // persistent sessions (clean: false) for a client id that returns; each client() has its own device id,
    // the same across that client's connections. The emulator, like Aliyun, treats a persistent session
    // that subscribes at QoS 2 as clean.
    capabilities: { retain: false, qos2: true, persistentSession: true },
    topicRoot: 'conf',
    client: () => ({
      broker: profile(({ clientId }) =>
        issuer.issue({ userId: clientId, clientId, subscribe: ['conf/#'], publish: ['conf/#'], ttlSeconds: 3600 }),
      ),
      transport: tcp(),
    }),
    badClient: () => ({
      broker: profile(() => ({ tokens: { RW: 'forged+token/=' }, expiresAt: Date.now() + 3600_000 })),
      transport: tcp(),
    }),
    dropConnections: async () => cloud.broker.dropClients(),
    teardown: () => cloud.close(),
  }
})
