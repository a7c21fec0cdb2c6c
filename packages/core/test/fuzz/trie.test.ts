import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TopicTrie, topicMatches } from '../../src/index.js'
import { filterArb, nameArb, referenceMatches } from './reference.js'

describe('TopicTrie against the spec reference matcher', () => {
  it('the reference matcher agrees with the spec examples (§4.7.1.2, §4.7.1.3, §4.7.2)', () => {
    expect(referenceMatches('sport/tennis/player1/#', 'sport/tennis/player1')).toBe(true)
    expect(referenceMatches('sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon')).toBe(true)
    expect(referenceMatches('sport/#', 'sport')).toBe(true)
    expect(referenceMatches('sport/tennis/+', 'sport/tennis/player1/ranking')).toBe(false)
    expect(referenceMatches('sport/+', 'sport')).toBe(false)
    expect(referenceMatches('sport/+', 'sport/')).toBe(true)
    expect(referenceMatches('+/+', '/finance')).toBe(true)
    expect(referenceMatches('#', '$SYS/x')).toBe(false)
    expect(referenceMatches('$SYS/#', '$SYS/x')).toBe(true)
  })

  it('a literal + or # level in a received name matches nothing (it used to match twice, or fill a param)', () => {
    const trie = new TopicTrie<string>()
    trie.add('rel/+', 'plus')
    trie.add('rel/#', 'hash')
    const seen = (name: string): string[] => {
      const out: string[] = []
      trie.match(name, (v) => out.push(v))
      return out
    }
    expect(seen('rel/x').sort()).toEqual(['hash', 'plus'])
    expect(seen('rel/+')).toEqual([])
    expect(seen('rel/#')).toEqual([])
    expect(topicMatches('rel/+', 'rel/+')).toBe(false)
  })

  it('matches exactly what the reference matches, each value once, for random filters and names', () => {
    fc.assert(
      fc.property(fc.uniqueArray(filterArb, { minLength: 1, maxLength: 8 }), nameArb, (filters, name) => {
        const trie = new TopicTrie<string>()
        for (const f of filters) trie.add(f, f)
        const got: string[] = []
        trie.match(name, (f) => got.push(f))
        const want = filters.filter((f) => referenceMatches(f, name))
        // Sorted equality also catches a value visited twice.
        expect(got.sort()).toEqual(want.sort())
      }),
      { numRuns: 2000 },
    )
  })

  it('delete() undoes add() exactly, whatever the order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(filterArb, { minLength: 1, maxLength: 8 }),
        fc.array(nameArb, { maxLength: 5 }),
        (filters, names) => {
          const trie = new TopicTrie<string>()
          for (const f of filters) trie.add(f, f)
          const [gone, kept] = [filters.filter((_, i) => i % 2 === 0), filters.filter((_, i) => i % 2 === 1)]
          for (const f of gone) expect(trie.delete(f, f)).toBe(true)
          expect(trie.size).toBe(kept.length)
          for (const name of names) {
            const got: string[] = []
            trie.match(name, (f) => got.push(f))
            expect(got.sort()).toEqual(kept.filter((f) => referenceMatches(f, name)).sort())
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})
