import type { ServerPublisher, ServerPublishOptions, ServerPublishResult } from '../contracts.js'
import { TidingsError } from '../errors.js'
import type { Topic } from '../topic/template.js'
import { assertTopicName } from '../topic/validate.js'

/** What an adapter supplies: one publish of bytes or text to a checked topic name. */
export type RawServerPublish = (
  topic: string,
  payload: string | Uint8Array,
  opts: ServerPublishOptions,
) => Promise<ServerPublishResult>

/**
 * Builds a {@link ServerPublisher} from an adapter's raw publish, so every adapter offers both forms the same
 * way: `publish(topicDef, params, value, opts?)`, which builds the name from the definition and encodes with
 * its codec exactly like `client.publish`, and `publish(topic, payload, opts?)` for raw strings and bytes.
 * The topic's own `qos` and `retain` are the defaults of the typed form. `clearRetained` goes through the
 * same raw publish, with an empty payload and `retain: true`.
 */
export function defineServerPublisher(raw: RawServerPublish): ServerPublisher {
  async function publish(...args: unknown[]): Promise<ServerPublishResult> {
    const [first] = args
    if (isTopic(first)) {
      const [, params, value, opts] = args as [
        Topic<string, unknown>,
        Record<string, string>,
        unknown,
        ServerPublishOptions?,
      ]
      const name = first.name(params)
      let payload: string | Uint8Array
      try {
        payload = await first.codec.encode(value)
      } catch (error) {
        if (error instanceof TidingsError) throw error
        throw new TidingsError(
          'INVALID_PAYLOAD',
          `payload for ${name} failed to encode with ${first.codec.name}: ${error instanceof Error ? error.message : String(error)}`,
          { topic: name, cause: error },
        )
      }
      return raw(name, payload, { qos: first.qos, retain: first.retain, ...opts })
    }
    const [topic, payload, opts] = args as [string, string | Uint8Array, ServerPublishOptions?]
    assertTopicName(topic)
    if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) {
      throw new TidingsError(
        'INVALID_PAYLOAD',
        `a raw server publish takes a string or Uint8Array, got ${typeof payload}`,
        {
          topic,
        },
      )
    }
    return raw(topic, payload, { ...opts })
  }
  // An empty retained payload is what clears (MQTT 3.1.1 §3.3.1.3, MQTT 5 §3.3.1.3); no codec is asked to
  // encode "nothing", so a codec that rejects empty input cannot get in the way.
  function clearRetained(...args: unknown[]): Promise<ServerPublishResult> {
    const [first] = args
    if (isTopic(first)) {
      const name = first.name(args[1] as Record<string, string>)
      return raw(name, '', { qos: first.qos, retain: true })
    }
    const [topic, opts] = args as [string, Pick<ServerPublishOptions, 'qos'>?]
    assertTopicName(topic)
    return raw(topic, '', { ...(opts?.qos !== undefined ? { qos: opts.qos } : {}), retain: true })
  }
  return {
    publish: publish as ServerPublisher['publish'],
    clearRetained: (async (...args: unknown[]) => clearRetained(...args)) as ServerPublisher['clearRetained'],
  }
}

function isTopic(value: unknown): value is Topic<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Topic).template === 'string' &&
    typeof (value as Topic).name === 'function' &&
    typeof (value as Topic).codec === 'object'
  )
}
