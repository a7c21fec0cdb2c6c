import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import {
  type TidingsError,
  assertGrantFilter,
  assertIdentifier,
  grant,
  json,
  topicMatches,
  topic,
} from '../src/index.js'
import { checkCredentialRequest } from '../src/server/index.js'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (error) {
    return (error as TidingsError).code
  }
  return undefined
}

// Values an app may let a user choose, each of which widens, splits or aliases a grant when interpolated.
const HOSTILE = ['+', '#', 'a/b', '!,notify', '%2B', 'a\u0000x', '${username}', 'a\ud800', '\udc00', 'a\nb', '\u0085']

describe('grant()', () => {
  const notifications = topic('user/{userId}/notifications', json<{ n: number }>())

  it('builds filters from templates and topic definitions', () => {
    expect(grant('user/{userId}/#', { userId: '42' })).toBe('user/42/#')
    expect(grant(notifications, { userId: '42' })).toBe('user/42/notifications')
    expect(grant('room/{roomId}/+/typing', { roomId: 'r1' })).toBe('room/r1/+/typing')
    expect(grant('public/news', {})).toBe('public/news')
  })

  it('the attack it exists for: interpolating user id "+" grants every user, grant() refuses it', () => {
    const userId = '+'
    const interpolated = `user/${userId}/#`
    // Without the check the grant matches another user's topics…
    expect(topicMatches(interpolated, 'user/alice/notifications')).toBe(true)
    // …with it, the same value is refused before any issuer sees it.
    expect(codeOf(() => grant('user/{userId}/#', { userId }))).toBe('INVALID_TOPIC')
  })

  it.each(HOSTILE)('refuses the parameter value %j', (value) => {
    expect(codeOf(() => grant('user/{userId}/#', { userId: value }))).toBe('INVALID_TOPIC')
  })

  it('refuses a missing or empty parameter instead of turning it into a wildcard', () => {
    expect(codeOf(() => grant('user/{userId}/#', {} as { userId: string }))).toBe('INVALID_TOPIC')
    expect(codeOf(() => grant('user/{userId}/#', { userId: '' }))).toBe('INVALID_TOPIC')
    expect(codeOf(() => grant(notifications, { userId: undefined as unknown as string }))).toBe('INVALID_TOPIC')
  })

  it('refuses templates that grant a whole tree or are not templates', () => {
    expect(codeOf(() => grant('#', {}))).toBe('INVALID_TOPIC')
    expect(codeOf(() => grant('+/+/#', {}))).toBe('INVALID_TOPIC')
    expect(codeOf(() => grant('user/x{id}/#', { id: '1' } as never))).toBe('INVALID_TOPIC')
    expect(codeOf(() => grant('a/#/b', {}))).toBe('INVALID_TOPIC')
    expect(codeOf(() => grant('', {}))).toBe('INVALID_TOPIC')
  })
})

describe('ill-formed UTF-16 in topics', () => {
  it('two lone surrogates reach the wire as the same bytes, so they must be refused', () => {
    // The attack: both strings encode to "a\uFFFD", so two users would share one topic.
    expect(Buffer.from('a\ud800', 'utf8').equals(Buffer.from('a\udc00', 'utf8'))).toBe(true)
    const inbox = topic('user/{userId}/inbox', json())
    expect(codeOf(() => inbox.name({ userId: 'a\ud800' }))).toBe('INVALID_TOPIC')
    expect(codeOf(() => inbox.name({ userId: 'a\udc00' }))).toBe('INVALID_TOPIC')
    expect(inbox.name({ userId: 'a\ud83d\ude00' })).toBe('user/a\ud83d\ude00/inbox')
  })
})

describe('assertIdentifier()', () => {
  it.each([...HOSTILE, '', '.', '..', 'x'.repeat(129), 42, null])('refuses %j', (value) => {
    expect(codeOf(() => assertIdentifier('userId', value))).toBe('INVALID_OPTIONS')
  })

  it('accepts ordinary ids, and does not echo a long hostile value whole', () => {
    expect(codeOf(() => assertIdentifier('userId', 'ann.lee@example.com'))).toBeUndefined()
    expect(codeOf(() => assertIdentifier('clientId', 'GID_shop@@@device-1'))).toBeUndefined()
    expect(() => assertIdentifier('userId', `${'A'.repeat(200)}\u0000`)).toThrow(/^.{0,200}$/s)
  })
})

describe('assertGrantFilter()', () => {
  it.each(['#', '+/#', '+/+/+', '+', '$SYS/#', '$share/g/user/1', 'a,b/#', 'user/${username}/#', 'a/#/b', 'a\u0000'])(
    'refuses %j',
    (filter) => {
      expect(codeOf(() => assertGrantFilter(filter))).toBe('INVALID_TOPIC')
    },
  )

  it('allows $ topics only when the adapter asks', () => {
    expect(codeOf(() => assertGrantFilter('$SYS/uploadToken', { allowDollar: true }))).toBeUndefined()
    expect(codeOf(() => assertGrantFilter('user/42/#'))).toBeUndefined()
    expect(codeOf(() => assertGrantFilter('room/+/typing'))).toBeUndefined()
  })
})

describe('checkCredentialRequest()', () => {
  const base = { userId: '42', subscribe: ['user/42/#'], publish: ['user/42/up'], ttlSeconds: 600 }

  it('returns a frozen copy that later mutation of the caller’s arrays cannot change', () => {
    const subscribe = ['user/42/#']
    const checked = checkCredentialRequest({ ...base, subscribe }, { maxTtlSeconds: 3600 })
    subscribe.push('#')
    expect(checked.subscribe).toEqual(['user/42/#'])
    expect(Object.isFrozen(checked)).toBe(true)
    expect(Object.isFrozen(checked.subscribe)).toBe(true)
  })

  it('refuses a TTL above the limit instead of capping it', () => {
    expect(codeOf(() => checkCredentialRequest({ ...base, ttlSeconds: 315_360_000 }, { maxTtlSeconds: 86_400 }))).toBe(
      'INVALID_OPTIONS',
    )
    expect(codeOf(() => checkCredentialRequest({ ...base, ttlSeconds: 0 }, { maxTtlSeconds: 86_400 }))).toBe(
      'INVALID_OPTIONS',
    )
    expect(codeOf(() => checkCredentialRequest({ ...base, ttlSeconds: 1.5 }, { maxTtlSeconds: 86_400 }))).toBe(
      'INVALID_OPTIONS',
    )
  })

  it('checks user id, client id and every grant', () => {
    const limits = { maxTtlSeconds: 3600 }
    expect(codeOf(() => checkCredentialRequest({ ...base, userId: '+' }, limits))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => checkCredentialRequest({ ...base, clientId: '..' }, limits))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => checkCredentialRequest({ ...base, subscribe: ['user/42/#', '#'] }, limits))).toBe(
      'INVALID_TOPIC',
    )
    expect(codeOf(() => checkCredentialRequest({ ...base, publish: ['notify/!,notify/#'] }, limits))).toBe(
      'INVALID_TOPIC',
    )
  })
})
