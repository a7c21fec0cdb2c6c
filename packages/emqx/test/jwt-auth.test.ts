import { isTidingsError, type CredentialsContext } from '@tidings/core'
import { SignJWT } from 'jose'
import { expect, test } from 'vitest'
import { emqx, jwtAuth } from '../src/index.js'

const key = new TextEncoder().encode('a-test-secret-that-is-32-bytes-long!')
const ctx: CredentialsContext = { attempt: 0, clientId: 'fallback', reason: 'connect' }
const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key)

test('the token is the password; client id and user name come from its claims', async () => {
  const token = await sign({ username: 'ann', clientid: 'web-ann-1', exp: 2_000_000_000 })
  const creds = await jwtAuth({ fetchToken: () => token })(ctx)
  expect(creds).toEqual({ password: token, clientId: 'web-ann-1', username: 'ann' })
})

test('claims with non-ASCII text decode as UTF-8', async () => {
  const token = await sign({ username: '张三', clientid: 'c-1' })
  expect((await jwtAuth({ fetchToken: () => token })(ctx)).username).toBe('张三')
})

test("accepts the issuer's full answer, whose fields win over the claims", async () => {
  const token = await sign({ username: 'ann', clientid: 'from-claim' })
  const creds = await jwtAuth({
    fetchToken: async () => ({ password: token, clientId: 'from-backend', username: 'ann' }),
  })(ctx)
  expect(creds).toEqual({ password: token, clientId: 'from-backend', username: 'ann' })
})

test('fetches again for every connect, through the profile, with the shared context', async () => {
  const seen: CredentialsContext[] = []
  const profile = emqx({
    host: 'h',
    clientId: 'fallback',
    credentials: jwtAuth({
      fetchToken: async (ctx) => {
        seen.push(ctx)
        return sign({ n: ctx.attempt })
      },
    }),
  })
  const first = await profile.connectOptions({ attempt: 0 })
  const second = await profile.connectOptions({ attempt: 1, previousError: { code: 'NOT_AUTHORIZED' } })
  expect(seen).toEqual([
    { attempt: 0, clientId: 'fallback', reason: 'connect' },
    { attempt: 1, clientId: 'fallback', reason: 'rejected', previousError: { code: 'NOT_AUTHORIZED' } },
  ])
  expect(first.password).not.toBe(second.password)
  // No clientid claim: the profile's own id is used.
  expect(first.clientId).toBe('fallback')
})

test('something that is not a JWT is refused as NOT_AUTHORIZED', async () => {
  for (const bad of ['not-a-jwt', 'a.b.c', { password: '' }, undefined]) {
    const error = await Promise.resolve(jwtAuth({ fetchToken: () => bad as never })(ctx)).catch((e: unknown) => e)
    expect(isTidingsError(error) && error.code).toBe('NOT_AUTHORIZED')
  }
  expect(() => jwtAuth({} as never)).toThrow(/fetchToken/)
})
