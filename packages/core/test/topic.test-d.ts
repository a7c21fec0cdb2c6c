import { expectTypeOf, test } from 'vitest'
import { json, text, topic, type TopicParams, type TidingsClient } from '../src/index.js'

test('params are inferred from the template', () => {
  const t = topic('user/{userId}/notifications/{kind}', json<{ n: number }>())
  expectTypeOf<TopicParams<'user/{userId}/notifications/{kind}'>>().toEqualTypeOf<{ userId: string; kind: string }>()
  expectTypeOf(t.name).parameter(0).toEqualTypeOf<{ userId: string; kind: string }>()
  expectTypeOf<TopicParams<'plain/topic'>>().toEqualTypeOf<{}>()
})

test('client methods check params and payloads', () => {
  const t = topic('user/{userId}/n', json<{ n: number }>())
  const client = {} as TidingsClient
  expectTypeOf(client.publish<'user/{userId}/n', { n: number }>).toBeFunction()
  // @ts-expect-error missing param on publish
  void client.publish(t, {}, { n: 1 })
  // @ts-expect-error wrong payload type
  void client.publish(t, { userId: '1' }, { n: 'x' })
  // @ts-expect-error unknown param
  void client.publish(t, { userId: '1', other: '2' }, { n: 1 })
  void client.subscribe(t, {}, (payload, meta) => {
    expectTypeOf(payload).toEqualTypeOf<{ n: number }>()
    expectTypeOf(meta.params).toEqualTypeOf<{ userId: string }>()
  })
  const s = topic('s', text())
  void client.waitFor(s, {}).then((v) => expectTypeOf(v).toEqualTypeOf<string>())
})
