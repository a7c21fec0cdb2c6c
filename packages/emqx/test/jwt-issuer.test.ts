import { isTidingsError } from '@tidings/core'
import { exportPKCS8, exportSPKI, generateKeyPair, jwtVerify, importSPKI } from 'jose'
import { describe, expect, test } from 'vitest'
import { DENY_ALL, RESERVED_EMQX_CLAIMS, emqxCredentialIssuer, grantsWholeTree } from '../src/server/index.js'

const secret = 'a-test-secret-that-is-32-bytes-long!'
const key = new TextEncoder().encode(secret)
const request = { userId: 'u42', subscribe: ['user/u42/#'], publish: ['user/u42/up/${clientid}'], ttlSeconds: 600 }

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (isTidingsError(error) ? error.code : `not a TidingsError: ${String(error)}`),
  )
}

describe('emqxCredentialIssuer', () => {
  test('HS256 token verified independently: username, clientid, iat, exp and a rule list ending in deny-all', async () => {
    const issued = await emqxCredentialIssuer({ secret, now: () => 1_700_000_000_000 }).issue(request)
    const { payload, protectedHeader } = await jwtVerify(issued.password, key, {
      algorithms: ['HS256'],
      currentDate: new Date(1_700_000_000_000),
    })
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(payload).toEqual({
      username: 'u42',
      clientid: issued.clientId,
      iat: 1_700_000_000,
      exp: 1_700_000_600,
      acl: [
        { permission: 'allow', action: 'subscribe', topic: 'user/u42/#' },
        // Placeholders are filled in by the issuer: the token holds plain topics.
        { permission: 'allow', action: 'publish', topic: `user/u42/up/${issued.clientId}` },
        { permission: 'deny', action: 'all', topic: '#' },
      ],
    })
    expect(issued.username).toBe('u42')
    expect(issued.expiresAt.getTime()).toBe(1_700_000_600_000)
    expect(issued.clientId).toMatch(/^web-[0-9a-z]{10}$/)
    expect(DENY_ALL).toEqual({ permission: 'deny', action: 'all', topic: '#' })
  })

  test('the token does not verify with another secret, and is rejected by jose after exp', async () => {
    const issued = await emqxCredentialIssuer({ secret, now: () => 1_700_000_000_000 }).issue({
      ...request,
      clientId: 'pinned',
    })
    expect(issued.clientId).toBe('pinned')
    await expect(
      jwtVerify(issued.password, new TextEncoder().encode('another-secret-that-is-32-bytes-long')),
    ).rejects.toThrow()
    await expect(jwtVerify(issued.password, key, { currentDate: new Date(1_700_000_601_000) })).rejects.toThrow(/exp/)
  })

  test('RS256 with a PEM private key, verified with the public key', async () => {
    const pair = await generateKeyPair('RS256', { extractable: true })
    const pem = await exportPKCS8(pair.privateKey)
    const issued = await emqxCredentialIssuer({ privateKey: pem, algorithm: 'RS256' }).issue(request)
    const publicKey = await importSPKI(await exportSPKI(pair.publicKey), 'RS256')
    const { payload, protectedHeader } = await jwtVerify(issued.password, publicKey, { algorithms: ['RS256'] })
    expect(protectedHeader.alg).toBe('RS256')
    expect(payload.username).toBe('u42')
    expect(typeof payload.exp).toBe('number')
    expect((payload.acl as unknown[]).at(-1)).toEqual(DENY_ALL)
  })

  test('the older pub/sub map format on request, under a custom claim name', async () => {
    const issued = await emqxCredentialIssuer({
      secret,
      aclFormat: 'map',
      aclClaimName: 'permissions',
      claims: { aud: 'mqtt' },
    }).issue(request)
    const { payload } = await jwtVerify(issued.password, key)
    expect(payload.permissions).toEqual({ pub: [`user/u42/up/${issued.clientId}`], sub: ['user/u42/#'] })
    expect(payload.acl).toBeUndefined()
    expect(payload.aud).toBe('mqtt')
  })

  test('refuses grants made only of wildcards, $ topics, and ids that would widen a grant', async () => {
    const issuer = emqxCredentialIssuer({ secret })
    for (const filter of ['#', '+/#', '+/+/#', '+/+/+', '$SYS/#', 'a/x${username}', 'a/${foo}']) {
      expect(await codeOf(issuer.issue({ ...request, subscribe: [filter] }))).toBe('INVALID_TOPIC')
      expect(await codeOf(issuer.issue({ ...request, publish: [filter] }))).toBe('INVALID_TOPIC')
    }
    for (const userId of ['+', '#', 'a/b', '..', '.', '${clientid}', 'a\u0000b']) {
      expect(await codeOf(issuer.issue({ ...request, userId }))).toBe('INVALID_OPTIONS')
      expect(await codeOf(issuer.issue({ ...request, clientId: userId }))).toBe('INVALID_OPTIONS')
    }
    expect(grantsWholeTree('user/#')).toBe(false)
    expect(grantsWholeTree('+/x/#')).toBe(false)
  })

  test('refuses extra claims EMQX reads as authority, whatever their case', () => {
    for (const name of [...RESERVED_EMQX_CLAIMS, 'Is_Superuser', 'permissions']) {
      expect(() => emqxCredentialIssuer({ secret, aclClaimName: 'permissions', claims: { [name]: true } })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      )
    }
    expect(RESERVED_EMQX_CLAIMS).toEqual(expect.arrayContaining(['is_superuser', 'client_attrs', 'clientid_override']))
    expect(() => emqxCredentialIssuer({ secret, claims: { aud: 'mqtt', jti: 'x' } })).not.toThrow()
  })

  test('refuses invalid requests and keys', async () => {
    const issuer = emqxCredentialIssuer({ secret, maxTtlSeconds: 3600 })
    expect(await codeOf(issuer.issue({ ...request, ttlSeconds: 0 }))).toBe('INVALID_OPTIONS')
    // Above the limit is refused, never capped to it.
    expect(await codeOf(issuer.issue({ ...request, ttlSeconds: 3601 }))).toBe('INVALID_OPTIONS')
    expect(await codeOf(emqxCredentialIssuer({ secret }).issue({ ...request, ttlSeconds: 86_401 }))).toBe(
      'INVALID_OPTIONS',
    )
    expect(await codeOf(issuer.issue({ ...request, ttlSeconds: 1.5 }))).toBe('INVALID_OPTIONS')
    expect(await codeOf(issuer.issue({ ...request, userId: '' }))).toBe('INVALID_OPTIONS')
    expect(await codeOf(issuer.issue({ ...request, subscribe: ['a/#/b'] }))).toBe('INVALID_TOPIC')
    expect(() => emqxCredentialIssuer({ secret: 'short' })).toThrow(/32 bytes/)
    expect(() => emqxCredentialIssuer({ secret, algorithm: 'HS512' })).toThrow(/64 bytes/)
    expect(() => emqxCredentialIssuer({ secret, algorithm: 'RS256' as never })).toThrow(/HS256/)
    expect(await codeOf(emqxCredentialIssuer({ privateKey: 'not a pem', algorithm: 'RS256' }).issue(request))).toBe(
      'INVALID_OPTIONS',
    )
  })
})
