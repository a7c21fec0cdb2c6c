import { TidingsError } from '@tidings/core'
import type { EmqxApi, EmqxClientInfo, EmqxPublishMessage, EmqxSubscriptionInfo } from './api-types.js'
import { listOf, publishInRuns } from './api-shared.js'
import { apiError, encodePayload, segment, type HttpRequest, type HttpResponse } from './http.js'

/**
 * The EMQX 4 REST API (`/api/v4`): success is `{"code":0}`, failures carry a numeric `code` (112 client
 * not found, 115 invalid topic…) with HTTP 200 or 4xx. It does not report whether anyone received a
 * publish, and has no bulk kick, so `kickBulk` kicks one by one.
 */
export function emqxApiV4(request: HttpRequest, bulkSize: number, publisherId: string): EmqxApi {
  const call = async (what: string, ...args: Parameters<HttpRequest>): Promise<HttpResponse> => {
    const res = await request(...args)
    if (res.status !== 200 || (res.body as { code?: unknown } | undefined)?.code !== 0) throw apiError(what, res)
    return res
  }
  const publishBody = (message: EmqxPublishMessage): Record<string, unknown> => {
    if (typeof message?.topic !== 'string' || message.topic.length === 0) {
      throw new TidingsError('INVALID_TOPIC', 'publish needs a non-empty topic', { adapter: 'emqx' })
    }
    const { payload, encoding } = encodePayload(message.payload)
    return {
      topic: message.topic,
      payload,
      encoding,
      qos: message.qos ?? 0,
      retain: message.retain ?? false,
      clientid: publisherId,
    }
  }
  const kick = async (clientId: string): Promise<boolean> => {
    const res = await request('DELETE', `/clients/${segment('clientId', clientId)}`)
    const code = (res.body as { code?: unknown } | undefined)?.code
    if (res.status === 404 || code === 112) return false
    if (res.status !== 200 || code !== 0) throw apiError(`kick ${clientId}`, res)
    return true
  }
  return {
    apiVersion: 4,
    async publish(message) {
      await call(`publish to ${message.topic}`, 'POST', '/mqtt/publish', publishBody(message))
      return {}
    },
    async publishBulk(messages) {
      const bodies = messages.map(publishBody)
      return publishInRuns(bodies, bulkSize, async (run) => {
        const res = await call(`bulk publish of ${run.length} messages`, 'POST', '/mqtt/publish_batch', run)
        // Each message has its own `code`; 0 is published.
        const items = (res.body as { data?: unknown }).data
        return run.map((message, i) => {
          const item = (Array.isArray(items) ? items[i] : undefined) as { code?: unknown } | undefined
          if (item?.code === undefined || item.code === 0) return {}
          return { error: apiError(`bulk publish to ${String(message.topic)}`, { status: res.status, body: item }) }
        })
      })
    },
    async getClient(clientId) {
      const res = await request('GET', `/clients/${segment('clientId', clientId)}`)
      const body = res.body as { code?: unknown; data?: unknown } | undefined
      if (res.status === 404 || body?.code === 112) return null
      if (res.status !== 200 || body?.code !== 0) throw apiError(`get client ${clientId}`, res)
      // v4 answers a list, empty when the client is unknown.
      const found = Array.isArray(body.data) ? body.data[0] : body.data
      return (found as EmqxClientInfo | undefined) ?? null
    },
    kick,
    async kickBulk(clientIds) {
      for (const clientId of clientIds) await kick(clientId)
    },
    async listClients(filter = {}) {
      const res = await call('list clients', 'GET', '/clients', undefined, {
        clientid: filter.clientid,
        username: filter.username,
        conn_state: filter.connState,
        _like_clientid: filter.likeClientid,
        _page: filter.page,
        _limit: filter.limit,
      })
      return listOf<EmqxClientInfo>(res.body)
    },
    async listSubscriptions(filter = {}) {
      const res = await call('list subscriptions', 'GET', '/subscriptions', undefined, {
        clientid: filter.clientid,
        topic: filter.topic,
        qos: filter.qos,
        share: filter.shareGroup,
        _match_topic: filter.matchTopic,
        _page: filter.page,
        _limit: filter.limit,
      })
      return listOf<EmqxSubscriptionInfo>(res.body)
    },
    async subscribeClient(clientId, subscription) {
      await call(`subscribe ${clientId} to ${subscription.topic}`, 'POST', '/mqtt/subscribe', {
        clientid: clientId,
        topic: subscription.topic,
        qos: subscription.qos ?? 0,
      })
    },
    async unsubscribeClient(clientId, topic) {
      await call(`unsubscribe ${clientId} from ${topic}`, 'POST', '/mqtt/unsubscribe', { clientid: clientId, topic })
    },
    async clearAuthzCache(clientId) {
      const res = await request('DELETE', `/clients/${segment('clientId', clientId)}/acl_cache`)
      const code = (res.body as { code?: unknown } | undefined)?.code
      if (res.status === 404 || code === 112) return false
      if (res.status !== 200 || code !== 0) throw apiError(`clear ACL cache of ${clientId}`, res)
      return true
    },
  }
}
