import RPCClient from '@alicloud/pop-core'
import { TidingsError } from '@tidings/core'
import { BROKER_NAME } from '../names.js'
import { assertAliyunResource } from './grants.js'
import { isRetryable, popError } from './pop-errors.js'

/** Options of {@link createAliyunMqttApi}. */
export interface AliyunMqttApiOptions {
  accessKeyId: string
  accessKeySecret: string
  instanceId: string
  /** Region of the instance; the endpoint is `https://onsmqtt.<regionId>.aliyuncs.com`. */
  regionId?: string
  /** Full endpoint URL instead of `regionId` (VPC endpoint, a test server). */
  endpoint?: string
  /** Per-request timeout. pop-core's default of 3 s is short for ApplyToken bursts. @default 10000 */
  timeoutMs?: number
  /** Retries after throttling, timeouts and transient server errors. @default 3 */
  retries?: number
  /** First retry delay; doubles each time, with full jitter. @default 200 */
  retryBaseMs?: number
}

/** A device credential (一机一密) as the API returns it. */
export interface DeviceCredential {
  clientId: string
  instanceId: string
  deviceAccessKeyId: string
  deviceAccessKeySecret: string
  createTime: Date
  updateTime: Date
}

/** Token actions: `R` subscribe, `W` publish, `R,W` both. */
export type TokenActions = 'R' | 'W' | 'R,W'

/** Typed calls of the onsmqtt 2020-04-20 OpenAPI. Every failure is a TidingsError. */
export interface AliyunMqttApi {
  readonly accessKeyId: string
  readonly instanceId: string
  /**
   * Applies for a token. `resources` are topics or filters (≤ 100), each checked against Aliyun's topic
   * rules (no `,`, no `$`, a parent topic first; `INVALID_TOPIC`), sent sorted; `expireTime` is absolute,
   * at most 30 days ahead (`INVALID_OPTIONS`).
   */
  applyToken(req: { resources: string[]; actions: TokenActions; expireTime: Date | number }): Promise<{ token: string }>
  revokeToken(token: string): Promise<void>
  queryToken(token: string): Promise<{ valid: boolean }>
  /** Pushes one message (Aliyun picks the QoS; not forwarded to RocketMQ). */
  sendMessage(req: { topic: string; payload: string }): Promise<{ msgId: string }>
  registerDeviceCredential(clientId: string): Promise<DeviceCredential>
  getDeviceCredential(clientId: string): Promise<DeviceCredential>
  refreshDeviceCredential(clientId: string): Promise<DeviceCredential>
  unregisterDeviceCredential(clientId: string): Promise<void>
  querySession(clientId: string): Promise<{ online: boolean }>
  /** Online status of many clients, asked 10 at a time (the API's limit). */
  batchQuerySessions(clientIds: string[]): Promise<Array<{ clientId: string; online: boolean }>>
  /** Any other action, with the same signing, retries and error mapping. `InstanceId` is added. */
  request(action: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>
}

const API_VERSION = '2020-04-20'
const MAX_TOKEN_RESOURCES = 100
const SESSION_BATCH = 10
const MAX_TOKEN_LIFETIME_MS = 30 * 24 * 3600_000

/**
 * The onsmqtt OpenAPI over `@alicloud/pop-core`, for your backend: tokens, server-side pushes, device
 * credentials, online status. Requests are always signed POSTs with no `undefined` parameters; results are
 * plain objects; throttling and timeouts are retried with jittered backoff.
 *
 * @example
 * ```ts
 * const api = createAliyunMqttApi({ accessKeyId, accessKeySecret, regionId: 'cn-hangzhou', instanceId: 'mqtt-cn-xxx' })
 * const { token } = await api.applyToken({ resources: ['chat/room1/#'], actions: 'R', expireTime: Date.now() + 3600_000 })
 * ```
 */
export function createAliyunMqttApi(options: AliyunMqttApiOptions): AliyunMqttApi {
  const { accessKeyId, accessKeySecret, instanceId } = options ?? ({} as AliyunMqttApiOptions)
  for (const [name, value] of [
    ['accessKeyId', accessKeyId],
    ['accessKeySecret', accessKeySecret],
    ['instanceId', instanceId],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0)
      throw new TidingsError('INVALID_OPTIONS', `createAliyunMqttApi: ${name} is required`, { adapter: BROKER_NAME })
  }
  const endpoint =
    options.endpoint ?? (options.regionId ? `https://onsmqtt.${options.regionId}.aliyuncs.com` : undefined)
  if (!endpoint || !/^https?:\/\//.test(endpoint)) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      'createAliyunMqttApi: pass regionId (e.g. cn-hangzhou) or an http(s) endpoint',
      { adapter: BROKER_NAME },
    )
  }
  const client = new RPCClient({ accessKeyId, accessKeySecret, endpoint, apiVersion: API_VERSION })
  const timeout = options.timeoutMs ?? 10_000
  const retries = options.retries ?? 3
  const retryBaseMs = options.retryBaseMs ?? 200

  const call = async (action: string, params: Record<string, unknown>): Promise<Record<string, unknown>> => {
    // pop-core sends `undefined` as the string "undefined"; POST (exactly, upper case) puts params in the body.
    const clean: Record<string, unknown> = { InstanceId: instanceId }
    for (const [key, value] of Object.entries(params)) if (value !== undefined) clean[key] = value
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await client.request<unknown>(action, clean, { method: 'POST', timeout })
        // json-bigint gives null-prototype objects (and BigNumbers); a JSON round trip makes them plain.
        return JSON.parse(JSON.stringify(result ?? {})) as Record<string, unknown>
      } catch (cause) {
        const error = popError(action, cause, [accessKeySecret])
        if (attempt >= retries || !isRetryable(error)) throw error
        await new Promise((resolve) => setTimeout(resolve, Math.random() * retryBaseMs * 2 ** attempt))
      }
    }
  }

  const credential = (body: Record<string, unknown>): DeviceCredential => {
    const c = (body.DeviceCredential ?? {}) as Record<string, unknown>
    return {
      clientId: String(c.ClientId ?? ''),
      instanceId: String(c.InstanceId ?? instanceId),
      deviceAccessKeyId: String(c.DeviceAccessKeyId ?? ''),
      deviceAccessKeySecret: String(c.DeviceAccessKeySecret ?? ''),
      createTime: new Date(Number(c.CreateTime ?? 0)),
      updateTime: new Date(Number(c.UpdateTime ?? 0)),
    }
  }

  return {
    accessKeyId,
    instanceId,
    async applyToken({ resources, actions, expireTime }) {
      if (!Array.isArray(resources) || resources.length === 0 || resources.length > MAX_TOKEN_RESOURCES) {
        throw new TidingsError('INVALID_OPTIONS', `applyToken: resources must list 1–${MAX_TOKEN_RESOURCES} topics`, {
          adapter: BROKER_NAME,
        })
      }
      if (actions !== 'R' && actions !== 'W' && actions !== 'R,W')
        throw new TidingsError('INVALID_OPTIONS', 'applyToken: actions must be R, W or R,W', { adapter: BROKER_NAME })
      // Each resource is checked on its own: Resources is one comma-joined string, so a comma inside a
      // topic would turn it into two resources, the second one chosen by whoever controlled the topic.
      for (const resource of resources) assertAliyunResource(resource)
      const expire = expireTime instanceof Date ? expireTime.getTime() : expireTime
      if (typeof expire !== 'number' || !Number.isFinite(expire) || expire - Date.now() > MAX_TOKEN_LIFETIME_MS) {
        // Aliyun would shorten a later ExpireTime to 30 days without saying so.
        throw new TidingsError('INVALID_OPTIONS', 'applyToken: expireTime must be a time at most 30 days ahead', {
          adapter: BROKER_NAME,
        })
      }
      const body = await call('ApplyToken', {
        Resources: [...new Set(resources)].sort().join(','),
        Actions: actions,
        ExpireTime: Math.floor(expire),
      })
      if (typeof body.Token !== 'string' || body.Token.length === 0)
        throw new TidingsError('API_ERROR', 'ApplyToken returned no Token', { adapter: BROKER_NAME })
      return { token: body.Token }
    },
    async revokeToken(token) {
      await call('RevokeToken', { Token: token })
    },
    async queryToken(token) {
      const body = await call('QueryToken', { Token: token })
      return { valid: body.TokenStatus === true }
    },
    async sendMessage({ topic, payload }) {
      const body = await call('SendMessage', { MqttTopic: topic, Payload: payload })
      return { msgId: String(body.MsgId ?? '') }
    },
    registerDeviceCredential: async (clientId) =>
      credential(await call('RegisterDeviceCredential', { ClientId: clientId })),
    getDeviceCredential: async (clientId) => credential(await call('GetDeviceCredential', { ClientId: clientId })),
    refreshDeviceCredential: async (clientId) =>
      credential(await call('RefreshDeviceCredential', { ClientId: clientId })),
    async unregisterDeviceCredential(clientId) {
      await call('UnRegisterDeviceCredential', { ClientId: clientId })
    },
    async querySession(clientId) {
      const body = await call('QuerySessionByClientId', { ClientId: clientId })
      return { online: body.OnlineStatus === true }
    },
    async batchQuerySessions(clientIds) {
      const out: Array<{ clientId: string; online: boolean }> = []
      for (let i = 0; i < clientIds.length; i += SESSION_BATCH) {
        const chunk = clientIds.slice(i, i + SESSION_BATCH)
        // pop-core flattens arrays to ClientIdList.1, ClientIdList.2, …
        const body = await call('BatchQuerySessionByClientIds', { ClientIdList: chunk })
        const list = Array.isArray(body.OnlineStatusList)
          ? (body.OnlineStatusList as Array<Record<string, unknown>>)
          : []
        for (const item of list) out.push({ clientId: String(item.ClientId), online: item.OnlineStatus === true })
      }
      return out
    },
    request: (action, params = {}) => call(action, params),
  }
}
