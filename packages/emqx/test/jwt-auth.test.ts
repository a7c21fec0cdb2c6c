import { isTidingsError } from '@tidings/core'
import { SignJWT } from 'jose'
import { expect, test } from 'vitest'
import { emqx, jwtAuth } from '../src/index.js'

const key = new TextEncoder().encode('a-test-secret-that-is-32-bytes-long!')
const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key)

test('the token is the password; client id and user name come from its claims', async () => {
  const token = await sign({ username: 'ann', clientid: 'web-ann-1', exp: 2_000_000_000 })
  const creds = await jwtAuth({ fetchToken: () => token })({ attempt: 0 })
  expect(creds).toEqual({ password: token, clientId: 'web-ann-1', username: 'ann' })
})

test('claims with non-ASCII text decode as UTF-8', async () => {
  const token = await sign({ username: '张三', clientid: 'c-1' })
  expect((await jwtAuth({ fetchToken: () => token })({ attempt: 0 })).username).toBe('张三')
})

test("accepts the issuer's full answer, whose fields win over the claims", async () => {
  const token = await sign({ username: 'ann', clientid: 'from-claim' })
  const creds = await jwtAuth({
    fetchToken: async () => ({ password: token, clientId: 'from-backend', username: 'ann' }),
  })({ attempt: 0 })
  expect(creds).toEqual({ password: token, clientId: 'from-backend', username: 'ann' })
})

test('fetches again for every connect, through the profile', async () => {
  const seen: number[] = []
  const profile = emqx({
    host: 'h',
    clientId: 'fallback',
    credentials: jwtAuth({
      fetchToken: async (ctx) => {
        seen.push(ctx.attempt)
        return sign({ n: ctx.attempt })
      },
    }),
  })
  const first = await profile.connectOptions({ attempt: 0 })
  const second = await profile.connectOptions({ attempt: 1, previousError: { code: 'NOT_AUTHORIZED' } })
  expect(seen).toEqual([0, 1])
  expect(first.password).not.toBe(second.password)
  // No clientid claim: the profile's own id is used.
  expect(first.clientId).toBe('fallback')
})

test('something that is not a JWT is refused as NOT_AUTHORIZED', async () => {
  for (const bad of ['not-a-jwt', 'a.b.c', { password: '' }, undefined]) {
    const error = await Promise.resolve(jwtAuth({ fetchToken: () => bad as never })({ attempt: 0 })).catch(
      (e: unknown) => e,
    )
    expect(isTidingsError(error) && error.code).toBe('NOT_AUTHORIZED')
  }
  expect(() => jwtAuth({} as never)).toThrow(/fetchToken/)
})
