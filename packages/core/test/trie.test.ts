import { describe, expect, it } from 'vitest'
import { TopicTrie, topicMatches } from '../src/index.js'

describe('TopicTrie', () => {
  const cases: Array<[filter: string, topic: string, matches: boolean]> = [
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/+/c', 'a/b/c', true],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', 'a/b', true],
    ['+/+', 'a/b', true],
    ['+', '', true],
    ['a//b', 'a//b', true],
    ['a/+/b', 'a//b', true],
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['$SYS/+', '$SYS/x', true],
    ['a/b/#', 'a/bc', false],
  ]
  it.each(cases)('%s vs %s → %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected)
  })

  it('returns each matching value once, and forgets deleted ones', () => {
    const trie = new TopicTrie<string>()
    trie.add('s/+/state', 'A')
    trie.add('s/1/state', 'B')
    trie.add('s/#', 'C')
    trie.add('s/1/state', 'B') // same entry twice is one entry
    const seen = (topic: string): string[] => {
      const out: string[] = []
      trie.match(topic, (v) => out.push(v))
      return out.sort()
    }
    expect(trie.size).toBe(3)
    expect(seen('s/1/state')).toEqual(['A', 'B', 'C'])
    expect(seen('s/2/state')).toEqual(['A', 'C'])
    expect(trie.delete('s/1/state', 'B')).toBe(true)
    expect(trie.delete('s/1/state', 'B')).toBe(false)
    expect(seen('s/1/state')).toEqual(['A', 'C'])
    trie.delete('s/+/state', 'A')
    trie.delete('s/#', 'C')
    expect(trie.size).toBe(0)
    expect(seen('s/1/state')).toEqual([])
  })

  it('agrees with a linear scan on many random filters', () => {
    const levels = ['a', 'b', 'c']
    const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!
    const filters = Array.from({ length: 300 }, () => {
      const n = 1 + Math.floor(Math.random() * 3)
      const parts = Array.from({ length: n }, () => pick([...levels, '+']))
      if (Math.random() < 0.2) parts.push('#')
      return parts.join('/')
    })
    const trie = new TopicTrie<number>()
    filters.forEach((f, i) => trie.add(f, i))
    for (let k = 0; k < 200; k++) {
      const topic = Array.from({ length: 1 + Math.floor(Math.random() * 4) }, () => pick(levels)).join('/')
      const viaTrie: number[] = []
      trie.match(topic, (i) => viaTrie.push(i))
      const viaScan = filters.flatMap((f, i) => (linearMatch(f, topic) ? [i] : []))
      expect(viaTrie.sort((x, y) => x - y)).toEqual(viaScan)
    }
  })
})

// An independent reference: level-by-level comparison, as the MQTT spec describes it.
function linearMatch(filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true
    if (i >= t.length) return false
    if (f[i] !== '+' && f[i] !== t[i]) return false
  }
  return f.length === t.length
}
