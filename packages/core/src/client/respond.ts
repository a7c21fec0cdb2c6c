import { TidingsError } from '../errors.js'
import type { RequestTopic, TopicParams } from '../topic/template.js'
import { unwrapRequest, wrapReply, type RequestFrame } from './request-envelope.js'
import { decodeBody, encodeBody, ERROR_PROPERTY, failureText, literalTopic, type RequestHost } from './request-wire.js'
import type { Entry } from './subscriptions.js'
import type { MessageMeta, Responder } from './types.js'

/**
 * The raw handler `respond()` subscribes with: reads each request (MQTT 5 properties or the 3.1.1
 * envelope), runs the app's handler, and publishes its answer, or an error reply when decoding, the
 * handler or encoding fails, so a requester never waits for an answer that will not come.
 */
export function answerer<T extends string, V, R>(
  host: RequestHost,
  def: RequestTopic<T, V, R>,
  handler: Responder<V, R, TopicParams<T>>,
): Entry['handler'] {
  return (payload, meta) => {
    const frame =
      host.protocolVersion === 5 ? fromProperties(payload as Uint8Array, meta) : unwrapRequest(payload as Uint8Array)
    if (!frame) {
      host.reportError(
        new TidingsError(
          'INVALID_PAYLOAD',
          `message on ${meta.topic} is not a request (it names no reply topic); respond() ignored it`,
          { topic: meta.topic },
        ),
      )
      return
    }
    const typed = { ...meta, params: def.parse(meta.topic) ?? {} } as MessageMeta<TopicParams<T>>
    return answer(host, def, handler, frame, typed)
  }
}

async function answer<T extends string, V, R>(
  host: RequestHost,
  def: RequestTopic<T, V, R>,
  handler: Responder<V, R, TopicParams<T>>,
  frame: RequestFrame,
  meta: MessageMeta<TopicParams<T>>,
): Promise<void> {
  let body: Uint8Array
  let failure: string | undefined
  try {
    const value = await decodeBody(def.codec, frame.body, 'the request', meta.topic)
    const result = await run(handler, value, meta)
    body = await encodeBody(def.reply, result, meta.topic)
  } catch (error) {
    // Told to the requester as an error reply, and here through the `error` event.
    failure = failureText(error)
    body = new Uint8Array(0)
    host.reportError(
      error instanceof TidingsError && error.code === 'INVALID_PAYLOAD'
        ? error
        : new TidingsError('HANDLER_FAILED', `responder for ${meta.topic} failed: ${failure}`, {
            topic: meta.topic,
            cause: error,
          }),
    )
  }
  // The reply follows the request's QoS.
  const options = { qos: meta.qos, retain: false }
  const reply = literalTopic(frame.replyTopic)
  const sent =
    host.protocolVersion === 5
      ? host.publish(reply, {}, body, {
          ...options,
          properties: {
            ...(frame.correlation.length > 0 ? { correlationData: frame.correlation } : {}),
            ...(failure !== undefined ? { userProperties: { [ERROR_PROPERTY]: failure } } : {}),
          },
        })
      : host.publish(reply, {}, wrapReply(frame.correlation, body, failure), options)
  await sent.catch((error: unknown) =>
    host.reportError(TidingsError.from(error, 'PUBLISH_DENIED', { topic: frame.replyTopic })),
  )
}

/** Calls the handler; a synchronous throw becomes a rejection. */
async function run<V, R, P>(handler: Responder<V, R, P>, value: V, meta: MessageMeta<P>): Promise<R> {
  return handler(value, meta)
}

/** A request read from MQTT 5 properties: a Response Topic, and Correlation Data when the requester sent one. */
function fromProperties(payload: Uint8Array, meta: MessageMeta): RequestFrame | undefined {
  const properties = meta.properties as { responseTopic?: unknown; correlationData?: unknown } | undefined
  const replyTopic = properties?.responseTopic
  if (typeof replyTopic !== 'string' || replyTopic.length === 0) return undefined
  const correlation = properties?.correlationData
  return {
    replyTopic,
    correlation: correlation instanceof Uint8Array ? correlation : new Uint8Array(0),
    body: payload,
  }
}
