import fc from 'fast-check'

/**
 * MQTT filter matching written straight from the spec (3.1.1 / 5.0 §4.7), level by level with no
 * cleverness, to check the trie and grant() against. A name containing a wildcard character is not a
 * topic name (§4.7.1) and matches nothing.
 */
export function referenceMatches(filter: string, name: string): boolean {
  if (name.length === 0 || /[+#]/.test(name)) return false
  const f = filter.split('/')
  const n = name.split('/')
  // §4.7.2: filters starting with a wildcard do not match names starting with `$`.
  if (name.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1 // `a/#` matches `a` and everything under it
    if (i >= n.length) return false
    if (f[i] !== '+' && f[i] !== n[i]) return false
  }
  return f.length === n.length
}

/** Characters that break topic handling when they slip through, mixed with ordinary ones. */
const NASTY = ['+', '#', '/', '\u0000', '\ud800', '\udc00', '\ufffd', '\ufeff', '$', '{', '}', '%', ',', '\n', ' ']

/** One UTF-16 code unit, biased towards the characters above. */
export const codeUnit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'c', '1') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
)

/** Any string, lone surrogates included. */
export const anyString = (maxLength = 12): fc.Arbitrary<string> => fc.string({ unit: codeUnit, maxLength })

/** A small alphabet so random filters and names share levels often enough to match. */
const LEVELS = ['a', 'b', '', '$x', 'c']

/** A topic name over {@link LEVELS}, sometimes with a literal `+` or `#` level (which must never match). */
export const nameArb = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...LEVELS) },
      { weight: 1, arbitrary: fc.constantFrom('+', '#', 'a+', '#b') },
    ),
    {
      minLength: 1,
      maxLength: 5,
    },
  )
  .map((levels) => levels.join('/'))
  // The empty string is not a topic name (§4.7.3); incomingTopicProblem refuses it before matching.
  .filter((name) => name.length > 0)

/** A valid topic filter over {@link LEVELS}. */
export const filterArb = fc
  .tuple(fc.array(fc.constantFrom(...LEVELS, '+'), { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
  .chain((f) => fc.constantFrom(f, '#', '+'))

/** The error code a call throws, or undefined; anything thrown that is not a TidingsError is re-thrown. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    if (error instanceof Error && error.name === 'TidingsError') return (error as Error & { code: string }).code
    throw error
  }
  return undefined
}
