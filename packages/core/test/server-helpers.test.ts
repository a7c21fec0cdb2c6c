import { describe, expect, it } from 'vitest'
import { type ServerPublishOptions, type TidingsError, bytes, json, topic } from '../src/index.js'
import { defineServerPublisher, redactText, redactUrl } from '../src/server/index.js'

describe('redactUrl()', () => {
  it('removes credentials and secret query values, keeps the rest for debugging', () => {
    expect(redactUrl('mqtt://admin:s3cret@127.0.0.1:1883')).toBe('mqtt://***@127.0.0.1:1883')
    expect(redactUrl('https://key:secret@emqx.local:18083/api/v5?x=1&token=abc#f')).toBe(
      'https://***@emqx.local:18083/api/v5?x=1&token=***#f',
    )
    expect(redactUrl('ws://host/mqtt')).toBe('ws://host/mqtt')
    expect(redactUrl('not a url user:pw@')).toBe('not a url user:pw@')
  })
})

describe('redactText()', () => {
  it('strips an echoed Authorization header from a 5 KB proxy error and truncates', () => {
    const basic = Buffer.from('api-key:api-secret-value').toString('base64')
    const body = `<html>${'x'.repeat(5000)} Authorization: Basic ${basic}\r\n url=https://u:p@h/ Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig</html>`
    const head = `Authorization: Basic ${basic} then https://u:p@h/x and bearer eyJhbGciOiJIUzI1NiJ9.e30.sig`
    const out = redactText(head)
    expect(out).not.toContain(basic)
    expect(out).not.toContain('u:p@')
    expect(out).not.toContain('eyJhbGciOiJIUzI1NiJ9')
    const long = redactText(body)
    expect(long.length).toBeLessThan(600)
    expect(long).toMatch(/more characters\)$/)
  })
})

describe('defineServerPublisher()', () => {
  const sent: Array<{ topic: string; payload: string | Uint8Array; opts: ServerPublishOptions }> = []
  const publisher = defineServerPublisher(async (topic, payload, opts) => {
    sent.push({ topic, payload, opts })
    return { delivered: true }
  })

  it('typed form: builds the name, encodes with the codec, uses the topic defaults', async () => {
    sent.length = 0
    const unread = topic('user/{userId}/unread', json<number>(), { qos: 1, retain: true })
    await publisher.publish(unread, { userId: '42' }, 3)
    await publisher.publish(unread, { userId: '43' }, 0, { retain: false })
    expect(sent).toEqual([
      { topic: 'user/42/unread', payload: '3', opts: { qos: 1, retain: true } },
      { topic: 'user/43/unread', payload: '0', opts: { qos: 1, retain: false } },
    ])
  })

  it('typed form refuses bad params and values with typed errors, before publishing', async () => {
    sent.length = 0
    const inbox = topic('user/{userId}/inbox', json<{ n: number }>())
    const raw = topic('blob/{id}', bytes())
    await expect(publisher.publish(inbox, { userId: '+' }, { n: 1 })).rejects.toMatchObject({ code: 'INVALID_TOPIC' })
    await expect(publisher.publish(raw, { id: '1' }, 'text' as unknown as Uint8Array)).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
    })
    expect(sent).toEqual([])
  })

  it('raw form: checks the topic name and payload type', async () => {
    sent.length = 0
    await publisher.publish('a/b', 'hi', { qos: 0 })
    expect(sent).toEqual([{ topic: 'a/b', payload: 'hi', opts: { qos: 0 } }])
    await expect(publisher.publish('a/+', 'hi')).rejects.toMatchObject({ code: 'INVALID_TOPIC' })
    await expect(publisher.publish('a/b', 42 as unknown as string)).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
    } satisfies Partial<TidingsError>)
  })

  it('clearRetained: an empty retained payload at the topic QoS (typed) or the adapter default (string)', async () => {
    sent.length = 0
    // A codec that would refuse empty input is never asked.
    const unread = topic('user/{userId}/unread', json<number>(), { qos: 2, retain: true })
    await publisher.clearRetained(unread, { userId: '42' })
    await publisher.clearRetained('user/43/unread')
    await publisher.clearRetained('user/44/unread', { qos: 1 })
    expect(sent).toEqual([
      { topic: 'user/42/unread', payload: '', opts: { qos: 2, retain: true } },
      { topic: 'user/43/unread', payload: '', opts: { retain: true } },
      { topic: 'user/44/unread', payload: '', opts: { qos: 1, retain: true } },
    ])
    sent.length = 0
    await expect(publisher.clearRetained(unread, { userId: '#' })).rejects.toMatchObject({ code: 'INVALID_TOPIC' })
    await expect(publisher.clearRetained('user/+/unread')).rejects.toMatchObject({ code: 'INVALID_TOPIC' })
    expect(sent).toEqual([])
  })
})
