import {
  clientsOf,
  describeClient,
  dispatch,
  isTopicName,
  page,
  qosOf,
  subscriptionsOf,
  unsubscribe,
  type ContractState,
  type Json,
  type Reply,
  type Routes,
} from './contract-broker.js'
import type { EmqxContractServerOptions } from './contract-server.js'

/** EMQX 4's routes (HTTP API v4: `{"code":0}` on success, numeric codes on failure), acting on the devbroker. */
export function v4Routes(options: EmqxContractServerOptions, state: ContractState): Routes {
  const { connectedAt } = state
  const { broker } = options
  const ok = (extra: Json = {}): Reply => ({ status: 200, body: { code: 0, ...extra } })
  const fail = (code: number, message: string, status = 400): Reply => ({ status, body: { code, message } })

  const publish4 = async (item: unknown): Promise<Reply> => {
    const m = (item ?? {}) as {
      topic?: unknown
      payload?: unknown
      encoding?: unknown
      qos?: unknown
      retain?: unknown
      clientid?: unknown
    }
    if (typeof m.clientid !== 'string' || typeof m.topic !== 'string' || typeof m.payload !== 'string')
      return fail(107, 'missing parameter')
    if (!isTopicName(m.topic)) return fail(115, 'invalid topic')
    const encoding = m.encoding ?? 'plain'
    if (encoding !== 'plain' && encoding !== 'base64') return fail(108, 'bad parameter: encoding')
    await dispatch(broker, {
      topic: m.topic,
      payload: encoding === 'base64' ? Buffer.from(m.payload, 'base64') : Buffer.from(m.payload),
      qos: qosOf(m.qos),
      retain: m.retain === true,
    })
    return ok()
  }

  return async (method, path, body, query) => {
    const route = `${method} ${path.map((p, i) => (path[0] === 'clients' && i === 1 ? ':id' : p)).join('/')}`
    const client = path[0] === 'clients' && path[1] !== undefined ? clientsOf(broker).get(path[1]) : undefined
    switch (route) {
      case 'POST mqtt/publish':
        return publish4(body)
      case 'POST mqtt/publish_batch': {
        if (!Array.isArray(body)) return fail(109, 'invalid json')
        const data: Json[] = []
        for (const item of body) {
          const reply = await publish4(item)
          data.push({ topic: (item as { topic?: unknown })?.topic, code: (reply.body as { code: number }).code })
        }
        return ok({ data })
      }
      case 'GET clients': {
        let list = [...clientsOf(broker).values()].map((c) => describeClient(c, options, connectedAt))
        if (query.has('clientid')) list = list.filter((c) => c.clientid === query.get('clientid'))
        if (query.has('_like_clientid'))
          list = list.filter((c) => String(c.clientid).includes(query.get('_like_clientid')!))
        const paged = page(
          list,
          new URLSearchParams({ page: query.get('_page') ?? '1', limit: query.get('_limit') ?? '10000' }),
        )
        return ok(paged.body as Json)
      }
      case 'GET clients/:id':
        return ok({ data: client ? [describeClient(client, options, connectedAt)] : [] })
      case 'DELETE clients/:id':
        if (!client) return fail(112, 'Client not found', 404)
        client.conn.destroy()
        return ok()
      case 'DELETE clients/:id/acl_cache':
        if (!client) return fail(112, 'Client not found', 404)
        state.authzCacheClears.push({ clientId: client.id })
        return ok()
      case 'POST mqtt/subscribe':
      case 'POST mqtt/unsubscribe': {
        const m = (body ?? {}) as { topic?: unknown; clientid?: unknown; qos?: unknown }
        if (typeof m.topic !== 'string' || typeof m.clientid !== 'string') return fail(107, 'missing parameter')
        const target = clientsOf(broker).get(m.clientid)
        if (!target) return fail(112, 'Client not found', 404)
        const topic = m.topic
        await new Promise<void>((resolve) =>
          route.endsWith('/subscribe')
            ? target.subscribe({ topic, qos: qosOf(m.qos) }, () => resolve())
            : void unsubscribe(target, topic).then(resolve),
        )
        return ok()
      }
      case 'GET subscriptions': {
        let list = [...clientsOf(broker).values()].flatMap(subscriptionsOf)
        if (query.has('clientid')) list = list.filter((s) => s.clientid === query.get('clientid'))
        if (query.has('topic')) list = list.filter((s) => s.topic === query.get('topic'))
        const paged = page(
          list,
          new URLSearchParams({ page: query.get('_page') ?? '1', limit: query.get('_limit') ?? '10000' }),
        )
        return ok(paged.body as Json)
      }
      default:
        return { status: 404, body: { code: 102, message: 'not found' } }
    }
  }
}
