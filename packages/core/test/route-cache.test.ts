import { describe, expect, it } from 'vitest'
import { ROUTE_CACHE_LIMIT, SubscriptionRegistry, type Entry } from '../src/client/subscriptions.js'
import type { MessageMeta } from '../src/client/types.js'
import { text, topic, type TidingsError } from '../src/index.js'

// The registry remembers the route of each topic name; every change to the subscriptions forgets them.
const device = topic('route/{id}/state', text())

function registry() {
  const errors: TidingsError[] = []
  const reg = new SubscriptionRegistry({ reportError: (error) => errors.push(error) })
  const received: Array<{ who: string; value: unknown; meta: MessageMeta }> = []
  const add = (who: string, filter: string) =>
    reg.add(filter, filter, 0, true, (group) => ({
      group,
      topic: device,
      handler: (value, meta) => {
        received.push({ who, value, meta })
      },
    })).entry
  const send = (name: string, payload = 'v') => reg.dispatch(name, new TextEncoder().encode(payload), { qos: 0 })
  return { reg, received, add, send, errors }
}

describe('route cache', () => {
  it('routes a repeated name from its remembered route, with the parameters read once', () => {
    const r = registry()
    r.add('wild', 'route/+/state')
    r.send('route/7/state', 'a')
    r.send('route/7/state', 'b')
    expect(r.reg.cachedRoutes).toBe(1)
    expect(r.received.map((m) => [m.who, m.value, m.meta.params])).toEqual([
      ['wild', 'a', { id: '7' }],
      ['wild', 'b', { id: '7' }],
    ])
    // Shared between the messages of the route, so frozen.
    expect(Object.isFrozen(r.received[0]!.meta.params)).toBe(true)
  })

  it('forgets routes when a subscription is added', () => {
    const r = registry()
    r.add('wild', 'route/+/state')
    r.send('route/7/state')
    r.add('exact', 'route/7/state')
    r.send('route/7/state')
    // The trie visits an exact level before a `+`.
    expect(r.received.map((m) => m.who)).toEqual(['wild', 'exact', 'wild'])
  })

  it('forgets routes when a subscription is removed or dropped', () => {
    const r = registry()
    const wild = r.add('wild', 'route/+/state')
    const exact = r.add('exact', 'route/7/state')
    r.send('route/7/state')
    r.reg.remove(wild)
    r.send('route/7/state')
    r.reg.drop((exact as Entry).group, undefined as unknown as TidingsError)
    r.send('route/7/state')
    expect(r.received.map((m) => m.who)).toEqual(['exact', 'wild', 'exact'])
  })

  it('remembers names that route nowhere, and forgets them on subscribe', () => {
    const r = registry()
    r.send('route/1/state')
    expect(r.reg.cachedRoutes).toBe(1)
    r.add('late', 'route/1/state')
    expect(r.reg.cachedRoutes).toBe(0)
    r.send('route/1/state')
    expect(r.received.map((m) => m.who)).toEqual(['late'])
  })

  it('remembers at most ROUTE_CACHE_LIMIT names and still routes the ones past it', () => {
    const r = registry()
    r.add('wild', 'route/+/state')
    const names = ROUTE_CACHE_LIMIT + 50
    for (let i = 0; i < names; i++) r.send(`route/${i}/state`)
    expect(r.reg.cachedRoutes).toBe(ROUTE_CACHE_LIMIT)
    r.send(`route/${names - 1}/state`, 'again')
    const last = r.received.at(-1)!
    expect([last.value, last.meta.params]).toEqual(['again', { id: String(names - 1) }])
    // Past the limit parameters are parsed per message, as they were before the cache.
    expect(Object.isFrozen(last.meta.params)).toBe(false)
    expect(r.received).toHaveLength(names + 1)
  })

  it('delivers to the entries of the route even if a handler unsubscribes another mid-dispatch', () => {
    const r = registry()
    // The exact entry is visited first and removes the wildcard one, which shares its remembered route.
    const second = r.add('second', 'route/+/state')
    r.reg.add('route/9/state', 'route/9/state', 0, true, (group) => ({
      group,
      topic: device,
      handler: () => {
        r.reg.remove(second)
      },
    }))
    r.send('route/8/state')
    r.send('route/9/state')
    r.send('route/9/state')
    // Removed by the first handler before its turn: called for route/8/state only.
    expect(r.received.map((m) => m.meta.topic)).toEqual(['route/8/state'])
  })
})
