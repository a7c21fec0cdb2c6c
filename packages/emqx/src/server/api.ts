import { TidingsError } from '@tidings/core'
import type { EmqxApi, EmqxApiOptions, EmqxPublishMessage } from './api-types.js'
import { emqxApiV4 } from './api-v4.js'
import { emqxApiV5 } from './api-v5.js'
import { createHttp } from './http.js'

/**
 * A client for EMQX's REST API (v5 by default, v4 with `version: 4`), authenticated with an API key.
 * Node only: the key is a server secret.
 *
 * @example
 * ```ts
 * const api = createEmqxApi({ baseUrl: 'http://emqx:18083', apiKey, apiSecret })
 * const { delivered } = await api.publish({ topic: 'user/42/notifications', payload: JSON.stringify(n), qos: 1 })
 * if (await api.getClient('web-42abc')) await api.kick('web-42abc')
 * ```
 */
export function createEmqxApi(options: EmqxApiOptions): EmqxApi {
  for (const key of ['baseUrl', 'apiKey', 'apiSecret'] as const) {
    if (typeof options?.[key] !== 'string' || options[key].length === 0) {
      throw new TidingsError('INVALID_OPTIONS', `createEmqxApi needs ${key}`, { adapter: 'emqx' })
    }
  }
  if (!/^https?:\/\//.test(options.baseUrl)) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `createEmqxApi: baseUrl must start with http:// or https://, got ${JSON.stringify(options.baseUrl)}`,
      { adapter: 'emqx' },
    )
  }
  const version = options.version ?? 5
  if (version !== 5 && version !== 4)
    throw new TidingsError('INVALID_OPTIONS', `createEmqxApi: version must be 5 or 4, got ${String(version)}`, {
      adapter: 'emqx',
    })
  const bulkSize = options.bulkSize ?? 100
  if (!Number.isInteger(bulkSize) || bulkSize < 1 || bulkSize > 10_000) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `createEmqxApi: bulkSize must be a whole number from 1 to 10000, got ${String(bulkSize)}`,
      { adapter: 'emqx' },
    )
  }
  const request = createHttp(options, version)
  const api =
    version === 5
      ? emqxApiV5(request, bulkSize)
      : emqxApiV4(request, bulkSize, options.v4PublisherId ?? 'tidings-server')
  return {
    ...api,
    publishBulk(messages: readonly EmqxPublishMessage[]) {
      // EMQX 5 answers an empty bulk with a server error (a typo in its handler): never send `[]`.
      if (!Array.isArray(messages) || messages.length === 0) {
        return Promise.reject(
          new TidingsError('INVALID_OPTIONS', 'publishBulk needs at least one message', { adapter: 'emqx' }),
        )
      }
      return api.publishBulk(messages)
    },
    kickBulk(clientIds: readonly string[]) {
      if (!Array.isArray(clientIds))
        return Promise.reject(
          new TidingsError('INVALID_OPTIONS', 'kickBulk needs an array of client ids', { adapter: 'emqx' }),
        )
      return clientIds.length === 0 ? Promise.resolve() : api.kickBulk(clientIds)
    },
  }
}
