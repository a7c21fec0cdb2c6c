import { TidingsError } from '@tidings/core'
import { redactUrl } from '@tidings/core/server'
import type { EmqxApi, EmqxApiOptions, EmqxPublishMessage } from './api-types.js'
import { emqxApiV4 } from './api-v4.js'
import { emqxApiV5 } from './api-v5.js'
import { assertRestId, createHttp } from './http.js'

/**
 * A client for EMQX's REST API (v5 by default, v4 with `apiVersion: 4`), authenticated with an API key.
 * Node only: the key is a server secret. Client ids are checked before any request is sent, and error
 * messages built from an HTTP answer are redacted and cut short, so the key never ends up in a log.
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
    if (typeof options?.[key] !== 'string' || options[key].length === 0) throw invalid(`createEmqxApi needs ${key}`)
  }
  if (!/^https?:\/\/[^/?#@]+(?:[/?#]|$)/i.test(options.baseUrl)) {
    // Credentials in the URL would end up in fetch's own error messages; they belong in apiKey/apiSecret.
    throw invalid(
      `createEmqxApi: baseUrl must be http(s)://host[:port][/path] without user:password@, got ${JSON.stringify(redactUrl(options.baseUrl))}`,
    )
  }
  if ('version' in options) {
    throw invalid(
      'createEmqxApi: the option `version` is now `apiVersion` (the MQTT version is the client’s protocolVersion)',
    )
  }
  const apiVersion = options.apiVersion ?? 5
  if (apiVersion !== 5 && apiVersion !== 4)
    throw invalid(`createEmqxApi: apiVersion must be 5 or 4, got ${String(apiVersion)}`)
  const bulkSize = options.bulkSize ?? 100
  if (!Number.isInteger(bulkSize) || bulkSize < 1 || bulkSize > 10_000) {
    throw invalid(`createEmqxApi: bulkSize must be a whole number from 1 to 10000, got ${String(bulkSize)}`)
  }
  const request = createHttp(options, apiVersion)
  const api =
    apiVersion === 5
      ? emqxApiV5(request, bulkSize)
      : emqxApiV4(request, bulkSize, options.v4PublisherId ?? 'tidings-server')
  // Every client id is checked here, before the version's code builds a path or body from it.
  const withId =
    <A extends unknown[], R>(call: (clientId: string, ...rest: A) => Promise<R>) =>
    (clientId: string, ...rest: A): Promise<R> => {
      try {
        assertRestId('clientId', clientId)
      } catch (error) {
        return Promise.reject(error)
      }
      return call(clientId, ...rest)
    }
  return {
    ...api,
    getClient: withId(api.getClient),
    kick: withId(api.kick),
    subscribeClient: withId(api.subscribeClient),
    unsubscribeClient: withId(api.unsubscribeClient),
    clearAuthzCache: withId(api.clearAuthzCache),
    publishBulk(messages: readonly EmqxPublishMessage[]) {
      // EMQX 5 answers an empty bulk with a server error (a typo in its handler): never send `[]`.
      if (!Array.isArray(messages) || messages.length === 0)
        return Promise.reject(invalid('publishBulk needs at least one message'))
      return api.publishBulk(messages)
    },
    kickBulk(clientIds: readonly string[]) {
      if (!Array.isArray(clientIds)) return Promise.reject(invalid('kickBulk needs an array of client ids'))
      try {
        for (const clientId of clientIds) assertRestId('clientId', clientId)
      } catch (error) {
        return Promise.reject(error)
      }
      return clientIds.length === 0 ? Promise.resolve() : api.kickBulk(clientIds)
    },
  }
}

function invalid(message: string): TidingsError {
  return new TidingsError('INVALID_OPTIONS', message, { adapter: 'emqx' })
}
