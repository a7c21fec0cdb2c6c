import { TidingsError } from '@tidings/core'
import type {
  EmqxApi,
  EmqxBulkPublishResult,
  EmqxClientInfo,
  EmqxList,
  EmqxPublishMessage,
  EmqxPublishProperties,
  EmqxPublishResult,
  EmqxSubscriptionInfo,
} from './api-types.js'
import { apiError, encodePayload, segment, type HttpRequest } from './http.js'
import { chunks, listOf, publishInRuns } from './api-shared.js'

/** The EMQX 5 REST API (`/api/v5`). */
export function emqxApiV5(request: HttpRequest, bulkSize: number): EmqxApi {
  return {
    apiVersion: 5,
    async publish(message) {
      const res = await request('POST', '/publish', publishBody(message))
      if (res.status !== 200 && res.status !== 202) throw apiError(`publish to ${message.topic}`, res)
      return publishResult(res.body, res.status)
    },
    async publishBulk(messages) {
      // Every message is checked before the first request: a bad one never leaves earlier runs published.
      const bodies = messages.map(publishBody)
      return publishInRuns(bodies, bulkSize, async (run) => {
        const res = await request('POST', '/publish/bulk', run)
        // 200: all delivered; 202: some had no subscriber; 503: some failed to dispatch. Each with one body per message.
        const perMessage =
          (res.status === 200 || res.status === 202 || res.status === 503) &&
          Array.isArray(res.body) &&
          res.body.length === run.length
        if (!perMessage) throw apiError(`bulk publish of ${run.length} messages`, res)
        return (res.body as unknown[]).map((item, i) => bulkOutcome(item, res.status, String(run[i]!.topic)))
      })
    },
    async getClient(clientId) {
      const res = await request('GET', `/clients/${segment('clientId', clientId)}`)
      if (res.status === 404) return null
      if (res.status !== 200) throw apiError(`get client ${clientId}`, res)
      return res.body as EmqxClientInfo
    },
    async kick(clientId) {
      const res = await request('DELETE', `/clients/${segment('clientId', clientId)}`)
      if (res.status === 404) return false
      if (res.status !== 204 && res.status !== 200) throw apiError(`kick ${clientId}`, res)
      return true
    },
    async kickBulk(clientIds) {
      for (const batch of chunks(clientIds, bulkSize)) {
        const res = await request('POST', '/clients/kickout/bulk', batch)
        if (res.status !== 204 && res.status !== 200) throw apiError(`kick ${batch.length} clients`, res)
      }
    },
    async listClients(filter = {}) {
      const res = await request('GET', '/clients', undefined, {
        clientid: filter.clientid,
        username: filter.username,
        conn_state: filter.connState,
        like_clientid: filter.likeClientid,
        page: filter.page,
        limit: filter.limit,
      })
      if (res.status !== 200) throw apiError('list clients', res)
      return listOf<EmqxClientInfo>(res.body)
    },
    async listSubscriptions(filter = {}) {
      const res = await request('GET', '/subscriptions', undefined, {
        clientid: filter.clientid,
        topic: filter.topic,
        qos: filter.qos,
        share_group: filter.shareGroup,
        match_topic: filter.matchTopic,
        page: filter.page,
        limit: filter.limit,
      })
      if (res.status !== 200) throw apiError('list subscriptions', res)
      return listOf<EmqxSubscriptionInfo>(res.body) as EmqxList<EmqxSubscriptionInfo>
    },
    async subscribeClient(clientId, subscription) {
      const res = await request('POST', `/clients/${segment('clientId', clientId)}/subscribe`, {
        qos: 0,
        ...subscription,
      })
      if (res.status !== 200 && res.status !== 204)
        throw apiError(`subscribe ${clientId} to ${subscription.topic}`, res)
    },
    async unsubscribeClient(clientId, topic) {
      const res = await request('POST', `/clients/${segment('clientId', clientId)}/unsubscribe`, { topic })
      if (res.status !== 204 && res.status !== 200) throw apiError(`unsubscribe ${clientId} from ${topic}`, res)
    },
    async clearAuthzCache(clientId) {
      const res = await request('DELETE', `/clients/${segment('clientId', clientId)}/authorization/cache`)
      if (res.status === 404) return false
      if (res.status !== 204 && res.status !== 200) throw apiError(`clear authorization cache of ${clientId}`, res)
      return true
    },
  }
}

/** The body of one v5 publish. */
export function publishBody(message: EmqxPublishMessage): Record<string, unknown> {
  if (typeof message?.topic !== 'string' || message.topic.length === 0) {
    throw new TidingsError('INVALID_TOPIC', 'publish needs a non-empty topic', { adapter: 'emqx' })
  }
  const { payload, encoding } = encodePayload(message.payload)
  return {
    topic: message.topic,
    payload,
    payload_encoding: encoding,
    qos: message.qos ?? 0,
    retain: message.retain ?? false,
    ...(message.properties ? { properties: publishProperties(message.properties) } : {}),
  }
}

function publishProperties(p: EmqxPublishProperties): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (p.payloadFormatIndicator !== undefined) out.payload_format_indicator = p.payloadFormatIndicator
  if (p.messageExpiryInterval !== undefined) out.message_expiry_interval = p.messageExpiryInterval
  if (p.responseTopic !== undefined) out.response_topic = p.responseTopic
  if (p.correlationData !== undefined) out.correlation_data = p.correlationData
  if (p.userProperties !== undefined) out.user_properties = p.userProperties
  if (p.contentType !== undefined) out.content_type = p.contentType
  return out
}

// 200 → `{id}`; 202 → `{reason_code: 16, message: 'no_matching_subscribers'}`. In a bulk answer each
// item carries its own body, so the item (not the overall status) decides.
function publishResult(body: unknown, status: number): EmqxPublishResult {
  const item = (body ?? {}) as { id?: unknown; reason_code?: unknown }
  if (typeof item.id === 'string') return { id: item.id, delivered: true }
  if (item.reason_code === 16) return { delivered: false }
  return { delivered: status === 200 }
}

// One item of a bulk answer: `{id}` delivered, `{reason_code: 16}` published without subscribers, anything
// else (503's `failed_to_dispatch`) not published.
function bulkOutcome(item: unknown, status: number, topic: string): EmqxBulkPublishResult {
  const body = (item ?? {}) as { id?: unknown; reason_code?: unknown }
  if (typeof body.id === 'string') return { id: body.id, delivered: true }
  if (body.reason_code === 16) return { delivered: false }
  if (status !== 503) return { delivered: status === 200 }
  return { error: apiError(`bulk publish to ${topic}`, { status, body: item }) }
}
