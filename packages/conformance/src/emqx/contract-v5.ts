import { emqxTopicMatch, stripShare } from '@tidings/devbroker/emqx'
import {
  NODE,
  checkPublish,
  clientsOf,
  describeClient,
  page,
  publish,
  subscriptionsOf,
  unsubscribe,
  type ContractState,
  type Json,
  type Message,
  type Reply,
  type Routes,
} from './contract-broker.js'
import type { EmqxContractServerOptions } from './contract-server.js'

/**
 * EMQX 5's routes (emqx_mgmt_api_publish.erl, emqx_mgmt_api_clients.erl, emqx_mgmt_api_subscriptions.erl,
 * emqx_authz_api_cache.erl), acting on the devbroker.
 */
export function v5Routes(options: EmqxContractServerOptions, state: ContractState): Routes {
  const { connectedAt } = state
  const { broker } = options
  const clientNotFound: Reply = { status: 404, body: { code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' } }
  const badRequest = (message: string): Reply => ({ status: 400, body: { code: 'BAD_REQUEST', message } })

  return async (method, path, body, query) => {
    const route = `${method} ${path.map((p, i) => (path[0] === 'clients' && i === 1 && p !== 'kickout' ? ':id' : p)).join('/')}`
    const client = path[0] === 'clients' && path[1] !== undefined ? clientsOf(broker).get(path[1]) : undefined
    switch (route) {
      case 'POST publish': {
        const checked = checkPublish(body, options)
        if ('status' in checked) return checked
        return publish(broker, options, checked)
      }
      case 'POST publish/bulk': {
        if (!Array.isArray(body)) return badRequest('expected an array of messages')
        // EMQX's bulk handler fails on `[]` (a typo in its error clause): a server error.
        if (body.length === 0) return { status: 500, body: { code: 'INTERNAL_ERROR', message: 'function_clause' } }
        const checked = body.map((item) => checkPublish(item, options))
        const invalid = checked.find((c): c is Reply => 'status' in c)
        if (invalid) return invalid
        const results: Reply[] = []
        for (const message of checked as Message[]) results.push(await publish(broker, options, message))
        const status = results.some((r) => r.status === 503) ? 503 : results.some((r) => r.status === 202) ? 202 : 200
        return { status, body: results.map((r) => r.body) }
      }
      case 'GET clients': {
        let list = [...clientsOf(broker).values()].map((c) => describeClient(c, options, connectedAt))
        const filters: Array<[string, (c: Json) => boolean]> = [
          ['clientid', (c) => c.clientid === query.get('clientid')],
          ['username', (c) => c.username === query.get('username')],
          ['like_clientid', (c) => String(c.clientid).includes(query.get('like_clientid')!)],
          ['conn_state', (c) => (query.get('conn_state') === 'connected') === c.connected],
        ]
        for (const [name, keep] of filters) if (query.has(name)) list = list.filter(keep)
        return page(list, query)
      }
      case 'GET clients/:id':
        return client ? { status: 200, body: describeClient(client, options, connectedAt) } : clientNotFound
      case 'DELETE clients/:id':
        if (!client) return clientNotFound
        client.conn.destroy()
        return { status: 204 }
      case 'POST clients/kickout/bulk':
        if (!Array.isArray(body) || body.some((id) => typeof id !== 'string'))
          return badRequest('expected an array of client ids')
        for (const id of body as string[]) clientsOf(broker).get(id)?.conn.destroy()
        return { status: 204 }
      case 'GET clients/:id/subscriptions':
        return client ? { status: 200, body: subscriptionsOf(client) } : clientNotFound
      case 'POST clients/:id/subscribe': {
        const sub = body as { topic?: unknown; qos?: unknown } | undefined
        if (typeof sub?.topic !== 'string') return badRequest('topic is required')
        if (!client) return clientNotFound
        const qos = typeof sub.qos === 'number' ? sub.qos : 0
        await new Promise<void>((resolve) =>
          client.subscribe({ topic: sub.topic as string, qos: qos as 0 }, () => resolve()),
        )
        return { status: 200, body: { topic: sub.topic, qos, clientid: client.id, node: NODE, nl: 0, rap: 0, rh: 0 } }
      }
      case 'POST clients/:id/unsubscribe': {
        const sub = body as { topic?: unknown } | undefined
        if (typeof sub?.topic !== 'string') return badRequest('topic is required')
        if (!client) return clientNotFound
        await unsubscribe(client, sub.topic)
        return { status: 204 }
      }
      case 'DELETE clients/:id/authorization/cache':
        // The emulator caches nothing; the call only has to find the client.
        if (!client) return clientNotFound
        state.authzCacheClears.push({ clientId: client.id })
        return { status: 204 }
      case 'DELETE authorization/cache':
        // Every node's cache, for every client: what `clients/../authorization/cache` reaches.
        state.authzCacheClears.push('cluster')
        return { status: 204 }
      case 'GET subscriptions': {
        let list = [...clientsOf(broker).values()].flatMap(subscriptionsOf)
        const match = query.get('match_topic')
        if (query.has('clientid')) list = list.filter((s) => s.clientid === query.get('clientid'))
        if (query.has('topic')) list = list.filter((s) => s.topic === query.get('topic'))
        if (query.has('qos')) list = list.filter((s) => String(s.qos) === query.get('qos'))
        if (query.has('share_group'))
          list = list.filter((s) => s.topic.startsWith(`$share/${query.get('share_group')}/`))
        if (match !== null) list = list.filter((s) => emqxTopicMatch(match, stripShare(s.topic)))
        return page(list, query)
      }
      default:
        return { status: 404, body: { code: 'NOT_FOUND', message: 'Request Path Not Found' } }
    }
  }
}
