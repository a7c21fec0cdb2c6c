import { describe, expect, it } from 'vitest'
import {
  connectReason,
  credentialsContext,
  genericBroker,
  profileConnectOptions,
  type CredentialsContext,
} from '../src/index.js'

describe('the credentials context every profile hands its callbacks', () => {
  it('derives the reason from what the client said, and keeps a reason the client or profile gives', () => {
    expect(connectReason({ attempt: 0 })).toBe('connect')
    expect(connectReason({ attempt: 3 })).toBe('reconnect')
    expect(connectReason({ attempt: 1, previousError: { code: 'NOT_AUTHORIZED' } })).toBe('rejected')
    expect(connectReason({ attempt: 1, reason: 'invalidated' })).toBe('invalidated')
    expect(credentialsContext({ attempt: 2 }, 'c1', 'refresh')).toEqual({
      attempt: 2,
      clientId: 'c1',
      reason: 'refresh',
    })
  })

  it('genericBroker passes it to credentials(ctx), and a returned clientId wins', async () => {
    const seen: CredentialsContext[] = []
    const profile = genericBroker({
      url: 'mqtt://127.0.0.1:1883',
      clientId: 'mine',
      credentials: (ctx) => {
        seen.push(ctx)
        return ctx.attempt === 0 ? { password: 'p0' } : { clientId: 'pinned', username: 'u', password: 'p1' }
      },
    })
    expect(await profile.connectOptions({ attempt: 0 })).toEqual({ clientId: 'mine', password: 'p0' })
    expect(await profile.connectOptions({ attempt: 1, previousError: { code: 'NOT_AUTHORIZED' } })).toEqual({
      clientId: 'pinned',
      username: 'u',
      password: 'p1',
    })
    expect(seen).toEqual([
      { attempt: 0, clientId: 'mine', reason: 'connect' },
      { attempt: 1, clientId: 'mine', reason: 'rejected', previousError: { code: 'NOT_AUTHORIZED' } },
    ])
  })

  it('profileConnectOptions uses the static identity without a provider and refuses an empty answer', async () => {
    const fixed = profileConnectOptions('x', { clientId: 'c', username: 'u', password: 'p' })
    expect(await fixed({ attempt: 0 })).toEqual({ clientId: 'c', username: 'u', password: 'p' })
    const empty = profileConnectOptions('x', { clientId: 'c', credentials: () => undefined as never })
    await expect(empty({ attempt: 0 })).rejects.toMatchObject({ code: 'NOT_AUTHORIZED', adapter: 'x' })
  })
})
