import type { ServerPublisher } from '@tidings/core'
import { defineServerPublisher } from '@tidings/core/server'
import type { EmqxApi } from './api-types.js'

/**
 * A {@link ServerPublisher} over EMQX's REST API: pushes from a backend without holding an MQTT
 * connection. `delivered` is false when nobody was subscribed (EMQX 5's 202).
 *
 * @example
 * ```ts
 * const publisher = emqxServerPublisher(createEmqxApi({ baseUrl, apiKey, apiSecret }))
 * await publisher.publish('order/1234/result', JSON.stringify({ ok: true }), { qos: 1 })
 * ```
 */
export function emqxServerPublisher(api: EmqxApi): ServerPublisher {
  return defineServerPublisher((topic, payload, opts) =>
    api.publish({
      topic,
      payload,
      ...(opts.qos !== undefined ? { qos: opts.qos } : {}),
      ...(opts.retain !== undefined ? { retain: opts.retain } : {}),
    }),
  )
}
