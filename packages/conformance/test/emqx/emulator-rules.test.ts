import {
  aclProblem,
  checkAcl,
  emqxTopicMatch,
  negotiateEmqxSubprotocol,
  stripShare,
  verifyEmqxJwt,
  EMQX_SUBPROTOCOLS,
} from '@tidings/devbroker/emqx'
import { SignJWT } from 'jose'
import { describe, expect, test } from 'vitest'

const ann = { username: 'ann', clientid: 'web-ann' }
const sub = (topic: string, qos = 0) => ({ type: 'subscribe' as const, topic, qos })
const pub = (topic: string, qos = 0, retain = false) => ({ type: 'publish' as const, topic, qos, retain })

describe('EMQX topic matching (emqx_topic:match/2)', () => {
  test.each([
    ['user/ann/inbox', 'user/ann/#', true],
    ['user/ann', 'user/ann/#', true],
    ['user/ann/inbox', 'user/+/inbox', true],
    ['user/+/inbox', 'user/+/inbox', true],
    ['user/+/inbox', 'user/ann/#', false],
    ['user/#', 'user/ann/#', false],
    ['user/bob/inbox', 'user/ann/#', false],
    ['$SYS/x', '#', false],
    ['$SYS/x', '+/x', false],
    ['$SYS/x', '$SYS/#', true],
    ['a/b', 'a', false],
    ['a', 'a/b', false],
  ])('%s under %s: %s', (name, filter, expected) => {
    expect(emqxTopicMatch(name, filter)).toBe(expected)
  })

  test('shared subscriptions are authorized on their real filter', () => {
    expect(stripShare('$share/g/user/ann/#')).toBe('user/ann/#')
    expect(stripShare('$queue/jobs')).toBe('jobs')
    expect(stripShare('user/ann')).toBe('user/ann')
  })
})

describe('JWT ACL claim (emqx_authz_client_info)', () => {
  const rules = [
    { permission: 'allow', action: 'subscribe', topic: 'user/${username}/#' },
    { permission: 'allow', action: 'publish', topic: 'up/${clientid}', qos: [0, 1], retain: false },
    { permission: 'deny', action: 'all', topic: '#' },
  ]

  test('rule list: first match wins, placeholders render, qos and retain constrain', () => {
    expect(checkAcl(rules, sub('user/ann/inbox'), ann)).toBe('allow')
    expect(checkAcl(rules, sub('user/bob/inbox'), ann)).toBe('deny')
    expect(checkAcl(rules, pub('up/web-ann', 1), ann)).toBe('allow')
    expect(checkAcl(rules, pub('up/web-ann', 2), ann)).toBe('deny')
    expect(checkAcl(rules, pub('up/web-ann', 0, true), ann)).toBe('deny')
    expect(checkAcl(rules, pub('up/web-bob'), ann)).toBe('deny')
  })

  test('rule list without the trailing deny-all: unmatched actions pass through', () => {
    const open = rules.slice(0, -1)
    expect(checkAcl(open, sub('user/bob/inbox'), ann)).toBe('nomatch')
    expect(checkAcl(open, pub('anything'), ann)).toBe('nomatch')
    expect(checkAcl(undefined, pub('anything'), ann)).toBe('nomatch')
  })

  test('a placeholder without a value matches nothing; eq is literal', () => {
    expect(checkAcl(rules, sub('user//inbox'), { username: undefined, clientid: 'c' })).toBe('deny')
    const eq = [{ permission: 'allow', action: 'all', topic: 'eq user/+/x' }]
    expect(checkAcl(eq, sub('user/+/x'), ann)).toBe('allow')
    expect(checkAcl(eq, sub('user/ann/x'), ann)).toBe('nomatch')
    expect(
      checkAcl([{ permission: 'allow', action: 'publish', topics: ['a', 'b/${clientid}'] }], pub('b/web-ann'), ann),
    ).toBe('allow')
  })

  test('aclProblem: what emqx_authz_rule_raw refuses; EMQX spellings pass', () => {
    expect(aclProblem(undefined)).toBeUndefined()
    expect(aclProblem(rules)).toBeUndefined()
    expect(aclProblem({ pub: ['a'] })).toBeUndefined()
    expect(aclProblem([{ permission: 'allow', action: 'sub', topic: 'a', qos: '0,2' }])).toBeUndefined()
    expect(aclProblem([{ permission: 'deny', action: 'pub', topics: ['a'], retain: 1 }])).toBeUndefined()
    expect(aclProblem([rules[0], { permission: 'allow', action: 'publish', topics: ['a', 1] }])).toMatch(/rule 1/)
    expect(aclProblem([{ permission: 'allow', action: 'publish', topic: 'a', qos: [0, 3] }])).toMatch(/qos/)
    expect(aclProblem([{ permission: 'allow', action: 'publish', topic: 'a', retain: 'maybe' }])).toMatch(/retain/)
    expect(aclProblem([{ permission: 'Allow', action: 'publish', topic: 'a' }])).toMatch(/permission/)
    expect(aclProblem([{ permission: 'allow', action: 'write', topic: 'a' }])).toMatch(/action/)
    expect(aclProblem('allow all')).toMatch(/neither/)
    // A `pub`-spelt rule matches publishes.
    expect(checkAcl([{ permission: 'allow', action: 'pub', topic: 'x' }], pub('x'), ann)).toBe('allow')
  })

  test('map format: a whitelist, anything unlisted is denied', () => {
    const map = { pub: ['up/${clientid}'], sub: ['user/${username}/#'], all: ['shared/#'] }
    expect(checkAcl(map, sub('user/ann/x'), ann)).toBe('allow')
    expect(checkAcl(map, pub('shared/y'), ann)).toBe('allow')
    expect(checkAcl(map, sub('user/bob/x'), ann)).toBe('deny')
    expect(checkAcl(map, pub('user/ann/x'), ann)).toBe('deny')
  })
})

describe('JWT verification (emqx_authn_jwt)', () => {
  const key = new TextEncoder().encode('emulator-secret-that-is-32-bytes-long')
  const sign = (claims: Record<string, unknown>, k: Uint8Array = key) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(k)
  const check = (expected: Record<string, string> = {}, nowSeconds = 1000) => ({
    key,
    algorithms: ['HS256'],
    expected,
    nowSeconds,
  })

  test('exp and nbf are checked only when present; numeric strings count', async () => {
    expect((await verifyEmqxJwt(await sign({}), check())).ok).toBe(true)
    expect((await verifyEmqxJwt(await sign({ exp: 1001 }), check())).ok).toBe(true)
    expect(await verifyEmqxJwt(await sign({ exp: 1000 }), check())).toMatchObject({
      ok: false,
      outcome: 'bad_username_or_password',
    })
    expect(await verifyEmqxJwt(await sign({ exp: '999' }), check())).toMatchObject({
      ok: false,
      outcome: 'bad_username_or_password',
    })
    expect((await verifyEmqxJwt(await sign({ exp: '1001' }), check())).ok).toBe(true)
    expect(await verifyEmqxJwt(await sign({ nbf: 1001 }), check())).toMatchObject({
      ok: false,
      outcome: 'bad_username_or_password',
    })
  })

  test('a bad signature or a non-token is ignored (refused when JWT is the only authenticator)', async () => {
    const other = new TextEncoder().encode('another-secret-that-is-32-bytes-long!')
    expect(await verifyEmqxJwt(await sign({}, other), check())).toMatchObject({ ok: false, outcome: 'ignore' })
    expect(await verifyEmqxJwt('not.a.jwt', check())).toMatchObject({ ok: false, outcome: 'ignore' })
  })

  test('verify_claims: missing or different claims are refused', async () => {
    const expected = { username: 'ann', clientid: 'web-ann' }
    expect((await verifyEmqxJwt(await sign(expected), check(expected))).ok).toBe(true)
    expect(await verifyEmqxJwt(await sign({ username: 'ann' }), check(expected))).toMatchObject({
      ok: false,
      reason: 'missing claim clientid',
    })
    expect(await verifyEmqxJwt(await sign({ username: 'ann', clientid: 'web-bob' }), check(expected))).toMatchObject({
      ok: false,
      reason: 'claim clientid does not match',
    })
  })
})

describe('WebSocket handshake (emqx_ws_connection)', () => {
  test('no subprotocol is HTTP 400 unless fail_if_no_subprotocol is off; the first supported one is echoed', () => {
    expect(negotiateEmqxSubprotocol([], EMQX_SUBPROTOCOLS, true)).toEqual({ status: 400 })
    expect(negotiateEmqxSubprotocol([], EMQX_SUBPROTOCOLS, false)).toBe(false)
    expect(negotiateEmqxSubprotocol(['mqttv3.1'], EMQX_SUBPROTOCOLS, true)).toEqual({ status: 400 })
    expect(negotiateEmqxSubprotocol(['x', 'mqtt-v5', 'mqtt'], EMQX_SUBPROTOCOLS, true)).toBe('mqtt-v5')
  })
})
