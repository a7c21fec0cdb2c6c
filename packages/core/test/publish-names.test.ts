import { describe, expect, it } from 'vitest'
import { PublishNames } from '../src/client/publish-names.js'
import { text, topic, type TidingsError } from '../src/index.js'
import { countingProfile } from './support/memory-broker.js'
import { connected } from './support/reliability.js'

// A repeated publish reuses its checked topic name; anything that changes the name is checked again.
const t = topic('names/{room}/{user}', text())

function online(qos2 = true) {
  const profile = countingProfile()
  return connected({ broker: { ...profile, capabilities: { ...profile.capabilities, qos2 } } })
}

describe('publish names', () => {
  it('builds and checks a repeated name once', async () => {
    const { client, socket } = await online()
    let built = 0
    const counted = {
      ...t,
      name: (params: { room: string; user: string }) => {
        built++
        return t.name(params)
      },
    }
    for (let i = 0; i < 3; i++) await client.publish(counted, { room: 'r', user: 'u' }, 'x')
    await client.publish(counted, { room: 'r', user: 'v' }, 'x')
    expect(built).toBe(2)
    for (let i = 0; i < 4; i++) await socket.next('publish')
    expect(socket.received.filter((p) => p.cmd === 'publish').map((p) => p.topic)).toEqual([
      'names/r/u',
      'names/r/u',
      'names/r/u',
      'names/r/v',
    ])
    await client.close({ force: true })
  })

  it('reads a params object mutated between publishes afresh, and still refuses a bad value', async () => {
    const { client, socket } = await online()
    const params = { room: 'r', user: 'u' }
    await client.publish(t, params, 'x')
    params.user = 'w'
    await client.publish(t, params, 'x')
    await socket.next('publish')
    expect((await socket.next('publish')).topic).toBe('names/r/w')
    params.user = 'a/b'
    const error = (await client.publish(t, params, 'x').catch((e: unknown) => e)) as TidingsError
    expect(error.code).toBe('INVALID_TOPIC')
    await client.close({ force: true })
  })

  it('checks the QoS again when it changes', async () => {
    const { client } = await online(false)
    await client.publish(t, { room: 'r', user: 'u' }, 'x')
    const error = (await client
      .publish(t, { room: 'r', user: 'u' }, 'x', { qos: 2 })
      .catch((e: unknown) => e)) as TidingsError
    expect(error.code).toBe('UNSUPPORTED')
    await client.close({ force: true })
  })

  it('remembers only names whose parameters are all strings', () => {
    const names = new PublishNames()
    const odd = { room: 'r', user: { toString: () => 'u' } }
    names.remember(t, odd, 0, false, 'names/r/u')
    expect(names.lookup(t, odd, 0, false)).toBeUndefined()
    names.remember(t, { room: 'r', user: 'u' }, 0, false, 'names/r/u')
    expect(names.lookup(t, { room: 'r', user: 'u' }, 0, false)).toBe('names/r/u')
    expect(names.lookup(t, { room: 'r', user: 'u' }, 0, true)).toBeUndefined()
  })
})
