import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import RPCClient from '@alicloud/pop-core'
import { createAliyunMqttApi, popError } from '@tidings/aliyun/server'
import type { TidingsError } from '@tidings/core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

// A misconfigured gateway in front of the OpenAPI that echoes the whole request (headers, signed body) into
// a 5 KB error page, with credentials of its own (an Authorization header it adds upstream) and, worst case,
// the AccessKeySecret from a debug dump. None of it may reach an error message or its cause.

const accessKeyId = 'LTAIechotest'
const accessKeySecret = 'kS3cr3t-AccessKeySecret-0123456789'
const basic = 'dXNlcjpodW50ZXIy' // user:hunter2
const bearer = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXNlc3Npb24.c2lnbmF0dXJl'

let server: Server
let endpoint = ''
let mode: 'pop' | 'html' = 'pop'
const signatures: string[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const signature = new URLSearchParams(body).get('Signature')
      if (signature) signatures.push(signature)
      const headers = Object.entries(req.headers).map(([name, value]) => `${name}: ${String(value)}`)
      const echo = [
        `debug: AccessKeySecret=${accessKeySecret}`,
        `authorization: Basic ${basic}`,
        `proxy-authorization: Bearer ${bearer}`,
        `upstream: https://gw:${accessKeySecret}@onsmqtt.internal/?Signature=${encodeURIComponent(signature ?? '')}`,
        ...headers,
        `request body: ${body}`,
        `{"Signature":"${signature ?? ''}"}`,
        `raw secret in a JSON dump: {"accessKeySecret":"${accessKeySecret}"}`,
        'x'.repeat(5000),
      ].join('\n')
      if (mode === 'pop') {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ RequestId: 'ECHO-1', Code: 'InvalidParameter.Gateway', Message: echo }))
      } else {
        res.writeHead(502, { 'content-type': 'text/html' }).end(`<html><body><pre>${echo}</pre></body></html>`)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
)

/** Everything an app could print or log about an error: message, stack, cause chain, every own property. */
function everything(error: unknown): string {
  return [
    inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    String(error),
    (error as Error).stack ?? '',
    JSON.stringify(error, Object.getOwnPropertyNames(error ?? {})),
  ].join('\n')
}

function secretsIn(text: string): string[] {
  const signature = signatures.at(-1) ?? 'no signature recorded'
  const needles = {
    accessKeySecret,
    'encoded accessKeySecret': encodeURIComponent(accessKeySecret),
    signature,
    'encoded signature': encodeURIComponent(signature),
    basic,
    bearer,
  }
  return Object.entries(needles)
    .filter(([, needle]) => text.includes(needle))
    .map(([name]) => name)
}

describe.each(['pop', 'html'] as const)('a gateway echoing the request into a %s error body', (bodyMode) => {
  test('pop-core alone carries the secret, the signature and the Authorization values', async () => {
    mode = bodyMode
    const raw = await new RPCClient({ accessKeyId, accessKeySecret, endpoint, apiVersion: '2020-04-20' })
      .request('QueryToken', { InstanceId: 'mqtt-cn-test', Token: 't' }, { method: 'POST' })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    expect(raw).toBeDefined()
    expect(secretsIn(everything(raw))).toEqual(
      expect.arrayContaining(['accessKeySecret', 'basic', 'bearer', 'encoded signature', 'signature']),
    )
    // What the adapter makes of the very same error.
    const mapped = popError('QueryToken', raw, [accessKeySecret])
    expect(secretsIn(everything(mapped))).toEqual([])
    expect(mapped.message.length).toBeLessThanOrEqual(600)
  })

  test('through createAliyunMqttApi: a short message and cause, none of them', async () => {
    mode = bodyMode
    const api = createAliyunMqttApi({ accessKeyId, accessKeySecret, endpoint, instanceId: 'mqtt-cn-test', retries: 0 })
    const error = await api.queryToken('t').then(
      () => undefined,
      (e: TidingsError) => e,
    )
    expect(error?.code).toBe(bodyMode === 'pop' ? 'INVALID_OPTIONS' : 'API_UNAVAILABLE')
    expect(error!.message.length).toBeLessThanOrEqual(600)
    // The echo is still useful: what the gateway said survives, redacted.
    expect(error!.message).toContain('authorization: ***')
    expect(secretsIn(everything(error))).toEqual([])
    expect(secretsIn(everything(error!.cause))).toEqual([])
    if (bodyMode === 'pop') expect(error!.status).toBe(400)
  })
})
