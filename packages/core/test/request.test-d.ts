import { expectTypeOf, test } from 'vitest'
import { json, text, topic, type RequestTopic, type TidingsClient, type TopicReply } from '../src/index.js'

interface UnlockCommand {
  userId: string
}
interface UnlockResult {
  ok: boolean
}

test('a reply codec makes a request topic typed end to end', () => {
  const unlock = topic('bike/{bikeId}/unlock', json<UnlockCommand>(), { qos: 1, reply: json<UnlockResult>() })
  expectTypeOf(unlock).toEqualTypeOf<RequestTopic<'bike/{bikeId}/unlock', UnlockCommand, UnlockResult>>()
  expectTypeOf<TopicReply<typeof unlock>>().toEqualTypeOf<UnlockResult>()
  const client = {} as TidingsClient
  expectTypeOf(client.request(unlock, { bikeId: 'b1' }, { userId: 'u' })).toEqualTypeOf<Promise<UnlockResult>>()
  // @ts-expect-error wrong request type
  void client.request(unlock, { bikeId: 'b1' }, { userId: 1 })
  // @ts-expect-error missing param
  void client.request(unlock, {}, { userId: 'u' })
  void client.respond(unlock, {}, (value, meta) => {
    expectTypeOf(value).toEqualTypeOf<UnlockCommand>()
    expectTypeOf(meta.params).toEqualTypeOf<{ bikeId: string }>()
    return { ok: true }
  })
  void client.respond(unlock, {}, async () => ({ ok: false }))
  // @ts-expect-error the handler must return the reply type
  void client.respond(unlock, {}, () => ({ ok: 'yes' }))
  // A request topic is still a topic: publish and subscribe take it.
  void client.publish(unlock, { bikeId: 'b1' }, { userId: 'u' })
})

test('request and respond are not callable on a topic without a reply codec', () => {
  const plain = topic('news', text())
  expectTypeOf(plain.reply).toEqualTypeOf<import('../src/index.js').Codec<unknown> | undefined>()
  const client = {} as TidingsClient
  // @ts-expect-error no reply codec
  void client.request(plain, {}, 'x')
  // @ts-expect-error no reply codec
  void client.respond(plain, {}, () => 'x')
})
