import { randomUUID, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AliyunEmulation, TokenActions } from '@tidings/devbroker/aliyun'
import { popSignature, popStringToSign } from './pop-signature.js'

/** Options of {@link startFakeAliyunOpenApi}. */
export interface FakeAliyunOpenApiOptions {
  /** The emulated broker whose tokens, pushes and sessions the API manages. */
  emulation: AliyunEmulation
  /** AccessKeys the API accepts (id → secret). */
  accessKeys: Record<string, string>
  /** Clock for the ±15 min timestamp check. @default Date.now */
  now?: () => number
}

/** One request as the fake API saw it. */
export interface RecordedRequest {
  method: string
  /** Query and form body merged, decoded. */
  params: Record<string, string>
  /** The raw body, for golden comparisons. */
  body: string
  /** The raw URL query (after `?`). */
  query: string
  stringToSign: string
}

/** Scripted failure for the next request(s). */
export interface ScriptedFailure {
  /** POP error code, e.g. `Throttling.User`; omit with `raw` to send a non-JSON body. */
  code?: string
  status?: number
  /** A raw (non-JSON) body, like a proxy's error page. */
  raw?: string
  /** Hold the response this long before answering (timeouts). */
  delayMs?: number
  /** How many requests in a row fail. @default 1 */
  times?: number
}

/** A running fake onsmqtt OpenAPI. */
export interface FakeAliyunOpenApi {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string
  readonly requests: RecordedRequest[]
  /** Makes the next request(s) fail as scripted, after signature checks pass. */
  failNext(failure: ScriptedFailure): void
  close(): Promise<void>
}

const VERSION = '2020-04-20'
const SKEW_MS = 15 * 60 * 1000

class PopError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }
}

/**
 * A local stand-in for the onsmqtt 2020-04-20 OpenAPI (RPC style). It verifies each request's signature
 * with an independent implementation, rejects stale timestamps and reused nonces with POP-style errors,
 * and acts on the emulated broker: tokens it issues are the ones the broker accepts.
 */
export async function startFakeAliyunOpenApi(options: FakeAliyunOpenApiOptions): Promise<FakeAliyunOpenApi> {
  const { emulation, accessKeys } = options
  const now = options.now ?? Date.now
  const nonces = new Set<string>()
  const requests: RecordedRequest[] = []
  const script: ScriptedFailure[] = []

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const params: Record<string, string> = {}
    for (const [k, v] of url.searchParams) params[k] = v
    if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      // pop-core never sends a raw '+', so URLSearchParams' '+'-as-space rule cannot alter values.
      for (const [k, v] of new URLSearchParams(body)) params[k] = v
    }
    const method = req.method ?? 'GET'
    const stringToSign = popStringToSign(method, params)
    requests.push({ method, params, body, query: url.search.slice(1), stringToSign })
    const requestId = randomUUID().toUpperCase()
    const send = (status: number, payload: Record<string, unknown>): void => {
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ RequestId: requestId, ...payload }))
    }
    try {
      verify(params, stringToSign)
      const failure = script[0]
      if (failure) {
        if ((failure.times ?? 1) <= 1) script.shift()
        else failure.times = (failure.times ?? 1) - 1
        if (failure.delayMs) await new Promise((r) => setTimeout(r, failure.delayMs))
        if (failure.raw !== undefined) {
          res.writeHead(failure.status ?? 502, { 'content-type': 'text/html' }).end(failure.raw)
          return
        }
        throw new PopError(failure.code ?? 'InternalError', 'scripted failure', failure.status ?? 500)
      }
      send(200, await act(params))
    } catch (error) {
      if (res.writableEnded) return
      const pop =
        error instanceof PopError
          ? error
          : new PopError('InternalError', error instanceof Error ? error.message : String(error), 500)
      send(pop.status, {
        HostId: 'onsmqtt.fake.local',
        Code: pop.code,
        Message: pop.message,
        Recommend: 'https://next.api.aliyun.com/troubleshoot',
      })
    }
  }

  const verify = (params: Record<string, string>, stringToSign: string): void => {
    for (const name of [
      'AccessKeyId',
      'Action',
      'Format',
      'SignatureMethod',
      'SignatureNonce',
      'SignatureVersion',
      'Timestamp',
      'Version',
      'Signature',
    ]) {
      if (!params[name]) throw new PopError(`Missing${name}`, `${name} is mandatory for this action.`)
    }
    if (params.Version !== VERSION)
      throw new PopError('InvalidVersion', `Specified version ${params.Version} is not valid.`)
    if (params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0')
      throw new PopError('InvalidSignatureMethod', 'Only HMAC-SHA1 1.0 is supported.')
    if (params.Format !== 'JSON') throw new PopError('InvalidParameter.Format', 'Only JSON is supported here.')
    const secret = accessKeys[params.AccessKeyId!]
    if (secret === undefined)
      throw new PopError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404)
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(params.Timestamp!))
      throw new PopError('InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.')
    if (Math.abs(Date.parse(params.Timestamp!) - now()) > SKEW_MS)
      throw new PopError('InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.')
    const expected = Buffer.from(popSignature(secret, stringToSign))
    const given = Buffer.from(params.Signature!)
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new PopError(
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
      )
    }
    // Only a correctly signed nonce is remembered, so a forged request cannot burn a real one.
    if (nonces.has(params.SignatureNonce!))
      throw new PopError('SignatureNonceUsed', 'Specified signature nonce was used already.')
    nonces.add(params.SignatureNonce!)
  }

  const act = async (p: Record<string, string>): Promise<Record<string, unknown>> => {
    const need = (name: string): string => {
      const value = p[name]
      if (value === undefined || value === '')
        throw new PopError(`Missing${name}`, `${name} is mandatory for this action.`)
      if (value === 'undefined') throw new PopError(`InvalidParameter.${name}`, `${name} is the string "undefined".`)
      return value
    }
    const instanceId = need('InstanceId')
    if (instanceId !== emulation.instanceId)
      throw new PopError('InstancePermissionCheckFailed', `instance ${instanceId} not found or not yours`, 403)
    const registry = emulation.registry
    const credential = (clientId: string) => {
      const c = registry.deviceCredential(instanceId, clientId)
      if (!c) throw new PopError('DeviceCredentialNotFound', `no device credential for ${clientId}`, 404)
      return {
        DeviceCredential: {
          ClientId: c.clientId,
          InstanceId: c.instanceId,
          DeviceAccessKeyId: c.deviceAccessKeyId,
          DeviceAccessKeySecret: c.deviceAccessKeySecret,
          CreateTime: c.createTime,
          UpdateTime: c.updateTime,
        },
      }
    }
    switch (p.Action) {
      case 'ApplyToken': {
        // Aliyun reads Resources as a comma-separated list: a comma inside one topic makes two resources.
        const resources = need('Resources').split(',')
        const sorted = [...resources].sort()
        if (resources.length > 100) throw new PopError('InvalidParameter.Resources', 'at most 100 resources')
        for (const resource of resources) {
          const problem = emulation.resourceProblem(resource)
          if (problem)
            throw new PopError('InvalidParameter.Resources', `resource ${JSON.stringify(resource)}: ${problem}`)
        }
        if (resources.join(',') !== sorted.join(','))
          throw new PopError('InvalidParameter.Resources', 'resources must be sorted')
        const actions = need('Actions')
        if (actions !== 'R' && actions !== 'W' && actions !== 'R,W')
          throw new PopError('InvalidParameter.Actions', 'Actions must be R, W or R,W')
        const expire = Number(need('ExpireTime'))
        const nowMs = now()
        if (!Number.isInteger(expire) || expire < nowMs + 59_000)
          throw new PopError('InvalidParameter.ExpireTime', 'ExpireTime must be an absolute time at least 60 s ahead')
        const record = registry.applyToken({
          instanceId,
          accessKeyId: p.AccessKeyId!,
          resources,
          actions: actions as TokenActions,
          expireTime: Math.min(expire, nowMs + 30 * 24 * 3600_000),
        })
        return { Token: record.token }
      }
      case 'RevokeToken': {
        if (!registry.revokeToken(need('Token'))) throw new PopError('TokenNotFound', 'token not found', 404)
        return {}
      }
      case 'QueryToken': {
        const record = registry.token(need('Token'))
        return { TokenStatus: record !== undefined && !record.revoked && record.expireTime > now() }
      }
      case 'SendMessage': {
        const { msgId } = await emulation.sendMessage(need('MqttTopic'), need('Payload')).catch((e: Error) => {
          throw new PopError('InvalidParameter.MqttTopic', e.message)
        })
        return { MsgId: msgId }
      }
      case 'RegisterDeviceCredential':
        registry.registerDeviceCredential(instanceId, need('ClientId'))
        return credential(need('ClientId'))
      case 'GetDeviceCredential':
        return credential(need('ClientId'))
      case 'RefreshDeviceCredential':
        if (!registry.refreshDeviceCredential(instanceId, need('ClientId')))
          throw new PopError('DeviceCredentialNotFound', 'not found', 404)
        return credential(need('ClientId'))
      case 'UnRegisterDeviceCredential':
        registry.unregisterDeviceCredential(instanceId, need('ClientId'))
        return {}
      case 'QuerySessionByClientId':
        return { OnlineStatus: emulation.isOnline(need('ClientId')) }
      case 'BatchQuerySessionByClientIds': {
        const ids = Object.keys(p)
          .filter((k) => /^ClientIdList\.\d+$/.test(k))
          .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]))
          .map((k) => p[k]!)
        if (ids.length === 0) throw new PopError('MissingClientIdList', 'ClientIdList is mandatory for this action.')
        if (ids.length > 10) throw new PopError('InvalidParameter.ClientIdList', 'at most 10 client ids')
        return { OnlineStatusList: ids.map((id) => ({ ClientId: id, OnlineStatus: emulation.isOnline(id) })) }
      }
      default:
        throw new PopError('InvalidApi.NotFound', `Specified api ${p.Action} is not found.`, 404)
    }
  }

  const server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    failNext: (failure) => void script.push({ ...failure }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
