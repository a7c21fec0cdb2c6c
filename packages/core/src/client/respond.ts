import { TidingsError } from '../errors.js'
import type { RequestTopic, TopicParams } from '../topic/template.js'
import { unwrapRequest, wrapReply, type RequestFrame } from './request-envelope.js'
import { decodeBody, encodeBody, ERROR_PROPERTY, failureText, wireTopic, type RequestHost } from './request-wire.js'
import type { Entry } from './subscriptions.js'
import type { MessageMeta, Responder } from './types.js'

/**
 * The raw handler `respond()` subscribes with: reads each request (MQTT 5 properties or the 3.1.1
 * envelope), runs the app's handler and publishes its answer, or an error reply when decoding, the handler
 * or encoding fails, so a requester never waits for an answer that will not come.
 */
export function answerer<T extends string, V, R>(
  host: RequestHost,
  def: RequestTopic<T, V, R>,
  handler: Responder<V, R, TopicParams<T>>,
): Entry['handler'] {
  return async (payload, raw) => {
    const topic = raw.topic
    const frame =
      host.protocolVersion === 5 ? fromProperties(payload as Uint8Array, raw) : unwrapRequest(payload as Uint8Array)
    if (!frame) {
      const text = `message on ${topic} is not a request (no reply topic); not answered`
      return host.reportError(new TidingsError('INVALID_PAYLOAD', text, { topic }))
    }
    const meta = { ...raw, params: def.parse(topic) ?? {} } as MessageMeta<TopicParams<T>>
    let body: Uint8Array = new Uint8Array(0)
    let failure: string | undefined
    try {
      const value = await decodeBody(def.codec, frame.body, topic)
      body = await encodeBody(def.reply, await handler(value, meta), topic)
    } catch (error) {
      // Told to the requester as an error reply, and here through the `error` event.
      failure = failureText(error)
      const code = (error as TidingsError).code === 'INVALID_PAYLOAD' ? 'INVALID_PAYLOAD' : 'HANDLER_FAILED'
      host.reportError(new TidingsError(code, `responder for ${topic} failed: ${failure}`, { topic, cause: error }))
    }
    const { correlation, replyTopic } = frame
    // The reply follows the request's QoS, and is never retained.
    const options = { qos: raw.qos, retain: false }
    const reply = wireTopic(replyTopic)
    await (host.protocolVersion === 5
      ? host.publish(reply, {}, body, {
          ...options,
          properties: {
            ...(correlation.length > 0 ? { correlationData: correlation } : {}),
            ...(failure !== undefined ? { userProperties: { [ERROR_PROPERTY]: failure } } : {}),
          },
        })
      : host.publish(reply, {}, wrapReply(correlation, body, failure), options)
    ).catch((error: unknown) => host.reportError(TidingsError.from(error, 'PUBLISH_DENIED', { topic: replyTopic })))
  }
}

/** A request read from MQTT 5 properties: a Response Topic, and Correlation Data when the requester sent one. */
function fromProperties(body: Uint8Array, meta: MessageMeta): RequestFrame | undefined {
  const properties = meta.properties as { responseTopic?: unknown; correlationData?: unknown } | undefined
  const replyTopic = properties?.responseTopic
  const correlation = properties?.correlationData
  if (typeof replyTopic !== 'string' || !replyTopic) return undefined
  return { replyTopic, correlation: correlation instanceof Uint8Array ? correlation : new Uint8Array(0), body }
}
