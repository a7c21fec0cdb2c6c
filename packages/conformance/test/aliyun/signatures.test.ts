import { createHash, createHmac, webcrypto } from 'node:crypto'
import { deviceCredentialAuth, formatTokenPassword, parseTokenPassword, tokenAuth, tokenTypeOf } from '@tidings/aliyun'
import { signatureCredentials } from '@tidings/aliyun/server'
import { describe, expect, test } from 'vitest'
import { hmacSha1Base64, type SubtleLike } from '../../../aliyun/src/crypto/hmac-sha1.js'
import { sha1 } from '../../../aliyun/src/crypto/sha1.js'
import { toBase64 as base64, utf8Bytes } from '@tidings/core'

// Published vectors: Base64(HMAC-SHA1(key = secret, data = clientId)), and the result with key and data swapped.
const VECTORS = [
  {
    secret: 'XXXXX',
    clientId: 'GID_Test@@@0001',
    password: 'vI009IZJZVGRwBwZvnbwjfuXxVM=',
    swapped: 'TJx9U3puclDOVg9eAhC89w26jDg=',
  },
  {
    secret: 'testSecret123',
    clientId: 'GID_Test@@@0001',
    password: 'NlVeHNQgu2JU0o5/CEjZNafMwqk=',
    swapped: 'sZhJ+8zuILZP5mnJyQvuuwFkPIo=',
  },
  {
    secret: 'DC.BJMkn4eMQJK2vaApTS1234',
    clientId: 'GID_test@@@test',
    password: '5vo2Gatz3tvS6Fr7j+ys6kFJmG8=',
    swapped: '7gV0/4N2DX8ZgRr7m4kUsoFpDqI=',
  },
]
const subtle = webcrypto.subtle as unknown as SubtleLike
const ctx = { attempt: 0 }

describe('HMAC-SHA1 signer', () => {
  test.each(VECTORS)(
    '$clientId with $secret: WebCrypto and pure implementation agree with the vector',
    async ({ secret, clientId, password, swapped }) => {
      expect(await hmacSha1Base64(secret, clientId, subtle)).toBe(password)
      expect(await hmacSha1Base64(secret, clientId, undefined)).toBe(password)
      // Key and data in the wrong order give the documented wrong answer, never the password.
      expect(await hmacSha1Base64(clientId, secret, undefined)).toBe(swapped)
      expect(swapped).not.toBe(password)
    },
  )

  test('pure SHA-1 matches node:crypto across block boundaries and non-ASCII text', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 200]) {
      const text = 'é✓𝄞x'.repeat(length).slice(0, length)
      expect(base64(sha1(utf8Bytes(text)))).toBe(createHash('sha1').update(text, 'utf8').digest('base64'))
    }
    // Keys longer than a block are hashed first.
    const longKey = 'k'.repeat(100)
    return hmacSha1Base64(longKey, 'GID_a@@@b', undefined).then((v) =>
      expect(v).toBe(createHmac('sha1', longKey).update('GID_a@@@b').digest('base64')),
    )
  })

  test('UTF-8 and Base64 helpers match the platform ones', () => {
    const text = 'aé✓𝄞\ud800z'
    expect(Buffer.from(utf8Bytes(text)).equals(Buffer.from(new TextEncoder().encode(text)))).toBe(true)
    for (const n of [0, 1, 2, 3, 4, 5]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 200) & 255)
      expect(base64(bytes)).toBe(Buffer.from(bytes).toString('base64'))
    }
  })

  test('a subtle that refuses SHA-1 falls back to the pure implementation', async () => {
    const broken: SubtleLike = {
      importKey: () => Promise.reject(new Error('NotSupportedError')),
      sign: () => Promise.reject(new Error('no')),
    }
    expect(await hmacSha1Base64(VECTORS[0]!.secret, VECTORS[0]!.clientId, broken)).toBe(VECTORS[0]!.password)
  })
})

describe('Signature mode (server side)', () => {
  test.each(VECTORS)('signatureCredentials for $clientId', ({ secret, clientId, password }) => {
    expect(
      signatureCredentials({ accessKeyId: 'LTAIkey', accessKeySecret: secret, instanceId: 'mqtt-cn-test', clientId }),
    ).toEqual({
      username: 'Signature|LTAIkey|mqtt-cn-test',
      password,
    })
  })

  test('refuses a bad client id and a missing secret', () => {
    expect(() =>
      signatureCredentials({ accessKeyId: 'a', accessKeySecret: 's', instanceId: 'i', clientId: 'nogroup' }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_CLIENT_ID' }))
    expect(() =>
      signatureCredentials({ accessKeyId: 'a', accessKeySecret: '', instanceId: 'i', clientId: 'GID_Test@@@0001' }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })
})

describe('DeviceCredential mode', () => {
  const vector = VECTORS[2]!
  test.each([
    ['WebCrypto', subtle],
    ['pure (mini-program)', null],
  ] as const)('user name and password with %s', async (_name, engine) => {
    const auth = deviceCredentialAuth({
      deviceAccessKeyId: 'DC.Z5fXkey',
      deviceAccessKeySecret: vector.secret,
      subtle: engine,
    })
    const bound = auth.bind({ instanceId: 'mqtt-cn-test', clientId: vector.clientId })
    expect(await bound.credentials(ctx)).toEqual({
      username: 'DeviceCredential|DC.Z5fXkey|mqtt-cn-test',
      password: vector.password,
    })
    expect(bound.refreshesCredentials).toBe(false)
  })

  test('without a WebCrypto global the pure implementation is used', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto')
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true })
    try {
      const bound = deviceCredentialAuth({ deviceAccessKeyId: 'DC.x', deviceAccessKeySecret: vector.secret }).bind({
        instanceId: 'i',
        clientId: vector.clientId,
      })
      expect((await bound.credentials(ctx)).password).toBe(vector.password)
    } finally {
      if (saved) Object.defineProperty(globalThis, 'crypto', saved)
    }
  })

  test('rejects empty or "|"-containing ids', () => {
    expect(() => deviceCredentialAuth({ deviceAccessKeyId: 'a|b', deviceAccessKeySecret: 's' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    )
    expect(() => deviceCredentialAuth({ deviceAccessKeyId: 'a', deviceAccessKeySecret: '' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    )
  })
})

describe('Token mode password', () => {
  test('formats from the docs', () => {
    expect(formatTokenPassword({ R: '123' })).toBe('R|123')
    expect(formatTokenPassword({ R: '123', W: 'abcd' })).toBe('R|123|W|abcd')
    expect(formatTokenPassword({ W: 'abcd', R: '123' })).toBe('R|123|W|abcd')
    expect(formatTokenPassword({ RW: 'x+y/z=' })).toBe('RW|x+y/z=')
    expect(parseTokenPassword('R|123|W|abcd')).toEqual({ R: '123', W: 'abcd' })
    expect(parseTokenPassword('W|abcd|R|123')).toEqual({ R: '123', W: 'abcd' })
    expect(tokenTypeOf('R,W')).toBe('RW')
    expect(tokenTypeOf('R')).toBe('R')
  })

  test.each(['', 'R', 'R|', 'X|1', 'R|1|R|2', 'R|1|W'])('rejects %j', (password) => {
    expect(() => parseTokenPassword(password)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })

  test('rejects empty sets and tokens with "|"', () => {
    expect(() => formatTokenPassword({})).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => formatTokenPassword({ R: 'a|b' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })

  test('tokenAuth user name carries the AccessKeyId only, and reuses a token until it nears expiry', async () => {
    let calls = 0
    const auth = tokenAuth({
      accessKeyId: 'LTAIkey',
      fetchToken: () => ({
        tokens: { R: `r${++calls}`, W: 'w' },
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      }),
    })
    const bound = auth.bind({ instanceId: 'mqtt-cn-test', clientId: 'GID_Test@@@0001' })
    expect(await bound.credentials(ctx)).toEqual({ username: 'Token|LTAIkey|mqtt-cn-test', password: 'R|r1|W|w' })
    expect(await bound.credentials({ attempt: 1 })).toEqual({
      username: 'Token|LTAIkey|mqtt-cn-test',
      password: 'R|r1|W|w',
    })
    // A refusal makes it fetch again.
    expect((await bound.credentials({ attempt: 2, previousError: { code: 'NOT_AUTHORIZED' } })).password).toBe(
      'R|r2|W|w',
    )
    expect(calls).toBe(2)
  })

  test('tokenAuth accepts the issuer output (password + expiresAt) and refuses garbage', async () => {
    const ok = tokenAuth({
      accessKeyId: 'k',
      fetchToken: () => ({ password: 'RW|tok', expiresAt: Date.now() + 600_000 }),
    }).bind({ instanceId: 'i', clientId: 'GID_Test@@@1' })
    expect((await ok.credentials(ctx)).password).toBe('RW|tok')
    const bad = tokenAuth({ accessKeyId: 'k', fetchToken: () => ({ password: 'RW|tok', expiresAt: 'tomorrow' }) }).bind(
      { instanceId: 'i', clientId: 'GID_Test@@@1' },
    )
    await expect(bad.credentials(ctx)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    expect(() => tokenAuth({ accessKeyId: '', fetchToken: () => ({ password: 'R|x', expiresAt: 0 }) })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    )
  })
})
