import { describe, expect, it } from 'vitest'
import { type TidingsError, json, topic } from '../src/index.js'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (error) {
    return (error as TidingsError).code
  }
  return undefined
}

describe('topic()', () => {
  const t = topic('user/{userId}/notifications/{kind}', json<{ n: number }>(), { qos: 1 })

  it('builds names and filters, with wildcards for omitted params', () => {
    expect(t.name({ userId: '42', kind: 'like' })).toBe('user/42/notifications/like')
    expect(t.filter({ userId: '42' })).toBe('user/42/notifications/+')
    expect(t.filter({})).toBe('user/+/notifications/+')
    expect(t.filter()).toBe('user/+/notifications/+')
    expect(t.params).toEqual(['userId', 'kind'])
    expect(t.qos).toBe(1)
    expect(t.retain).toBe(false)
  })

  it('parses params back from a topic name, and rejects names that do not fit', () => {
    expect(t.parse('user/7/notifications/follow')).toEqual({ userId: '7', kind: 'follow' })
    expect(t.parse('user/7/notifications')).toBeUndefined()
    expect(t.parse('users/7/notifications/x')).toBeUndefined()
    expect(t.parse('user/7/notifications/x/y')).toBeUndefined()
  })

  it.each(['a/b', '+', '#', '', 'x+', 'y#z', 'nul\u0000'])('rejects param value %j with INVALID_TOPIC', (value) => {
    expect(codeOf(() => t.name({ userId: value, kind: 'k' }))).toBe('INVALID_TOPIC')
    expect(codeOf(() => t.filter({ userId: value }))).toBe('INVALID_TOPIC')
  })

  it('rejects non-string params', () => {
    expect(codeOf(() => t.name({ userId: 42 as unknown as string, kind: 'k' }))).toBe('INVALID_TOPIC')
  })

  it.each(['', 'a/{x}y/b', 'a/+/b', 'a/#', 'a/{x}/{x}', 'a/{1x}', 'a/{}/b'])('rejects template %j', (template) => {
    expect(codeOf(() => topic(template, json()))).toBe('INVALID_TOPIC')
  })

  it('accepts templates without params and $-prefixed templates', () => {
    expect(topic('system/status', json()).name({})).toBe('system/status')
    expect(topic('$SYS/broker/{x}', json()).filter({})).toBe('$SYS/broker/+')
  })

  it('rejects a bad qos with INVALID_OPTIONS', () => {
    expect(codeOf(() => topic('a', json(), { qos: 3 as 1 }))).toBe('INVALID_OPTIONS')
  })
})
