import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assertTopicName, grant, incomingTopicProblem, json, topic, topicMatches } from '../../src/index.js'
import { anyString, codeOf, referenceMatches } from './reference.js'

/** A template of literal and `{pN}` levels, with its parameter names. */
const templateArb = fc
  .array(fc.oneof(fc.constantFrom('a', 'b', '$sys', ''), fc.constant(null)), { minLength: 1, maxLength: 5 })
  .map((levels) => {
    let n = 0
    const parts = levels.map((l) => (l === null ? `{p${n++}}` : l))
    return { template: parts.join('/'), names: Array.from({ length: n }, (_, i) => `p${i}`) }
  })
  .filter(({ template }) => template.length > 0)

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** What assertParamValue accepts, written out independently. */
const validParam = (v: string): boolean =>
  v.length > 0 && !/[/+#]/.test(v) && !v.includes('\u0000') && !LONE_SURROGATE.test(v)

const paramsFor = (names: string[], value: fc.Arbitrary<string>): fc.Arbitrary<Record<string, string>> =>
  fc.tuple(...names.map(() => value)).map((values) => Object.fromEntries(names.map((n, i) => [n, values[i]!])))

describe('topic templates (fuzz)', () => {
  it('name() then parse() round-trips every valid parameter value', () => {
    const arb = templateArb.chain(({ template, names }) =>
      fc.tuple(fc.constant(template), paramsFor(names, anyString().filter(validParam))),
    )
    fc.assert(
      fc.property(arb, ([template, params]) => {
        const t = topic(template, json())
        const name = t.name(params as never)
        expect(t.parse(name)).toEqual(params)
        expect(t.filter(params as never)).toBe(name)
        // A built name is a publishable topic name.
        expect(codeOf(() => assertTopicName(name))).toBeUndefined()
      }),
      { numRuns: 1000 },
    )
  })

  it('any parameter value gives a name or INVALID_TOPIC, never a crash, and never a wildcard', () => {
    const arb = templateArb
      .filter(({ names }) => names.length > 0)
      .chain(({ template, names }) => fc.tuple(fc.constant(template), paramsFor(names, anyString())))
    fc.assert(
      fc.property(arb, ([template, params]) => {
        const t = topic(template, json())
        const ok = Object.values(params).every(validParam)
        let name: string | undefined
        const code = codeOf(() => {
          name = t.name(params as never)
        })
        expect(code).toBe(ok ? undefined : 'INVALID_TOPIC')
        if (name !== undefined) expect(name).not.toMatch(/[+#]/)
      }),
      { numRuns: 1000 },
    )
  })

  it('parse() of any string never throws, and what it returns rebuilds the same name', () => {
    const arb = templateArb.chain(({ template }) =>
      fc.tuple(fc.constant(template), fc.oneof(anyString(20), fc.constant(template.replace(/\{p\d+\}/g, '+')))),
    )
    fc.assert(
      fc.property(arb, ([template, received]) => {
        const params = topic(template, json()).parse(received) as Record<string, string> | undefined
        if (params === undefined) return
        for (const v of Object.values(params)) expect(v).not.toMatch(/[/+#]/)
        expect(template.replace(/\{(p\d+)\}/g, (_, n: string) => params[n]!)).toBe(received)
      }),
      { numRuns: 1000 },
    )
  })
})

describe('grant() (fuzz)', () => {
  // Templates with wildcards of their own, as apps write them for grants.
  const grantTemplateArb = templateArb.chain(({ template, names }) =>
    fc.constantFrom({ template, names }, { template: `${template}/#`, names }, { template: `${template}/+/x`, names }),
  )

  it('never returns a filter wider than its template: params never become wildcards or extra levels', () => {
    const arb = grantTemplateArb
      .filter(({ names }) => names.length > 0)
      .chain(({ template, names }) =>
        fc.tuple(
          fc.constant(template),
          fc.constant(names),
          paramsFor(names, anyString()),
          fc.array(anyString(4), { minLength: 1, maxLength: 6 }),
        ),
      )
    fc.assert(
      fc.property(arb, ([template, names, params, probeLevels]) => {
        let filter: string | undefined
        const code = codeOf(() => {
          filter = grant(template, params as never)
        })
        if (filter === undefined) {
          expect(code).toBe('INVALID_TOPIC')
          return
        }
        // The template's own wildcards, and no more.
        const wildcards = (s: string): string[] => s.split('/').filter((l) => l === '+' || l === '#')
        expect(wildcards(filter)).toEqual(wildcards(template))
        expect(filter.split('/').length).toBe(template.split('/').length)
        // Every name the grant matches fits the template with exactly these parameter values.
        const levels = template.split('/')
        const probes = [probeLevels.join('/'), filter.replace(/(^|\/)[+#](?=\/|$)/g, `$1${probeLevels[0]}`)]
        for (const probe of probes) {
          if (!referenceMatches(filter, probe)) continue
          const got = probe.split('/')
          names.forEach((n) => {
            expect(got[levels.indexOf(`{${n}}`)]).toBe(params[n])
          })
          expect(topicMatches(filter, probe)).toBe(true)
        }
      }),
      { numRuns: 1000 },
    )
  })
})

describe('incomingTopicProblem() (fuzz)', () => {
  it('accepts exactly the names that are safe to dispatch', () => {
    fc.assert(
      fc.property(anyString(16), (name) => {
        const problem = incomingTopicProblem(name)
        const bad = name.length === 0 || /[+#\ufffd]/.test(name) || name.includes('\u0000') || LONE_SURROGATE.test(name)
        expect(problem === undefined).toBe(!bad)
        if (problem === undefined) expect(codeOf(() => assertTopicName(name))).toBeUndefined()
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses what a malformed PUBLISH carries, with a reason', () => {
    for (const name of ['', 'a/+', 'rel/#', 'a\u0000b', 'bad/\ufffd', 'x\ud800'])
      expect(incomingTopicProblem(name)).toMatch(/topic name/)
    expect(incomingTopicProblem('user/42/notifications')).toBeUndefined()
    expect(incomingTopicProblem('$SYS/broker/uptime')).toBeUndefined()
    expect(incomingTopicProblem('用户/🔔')).toBeUndefined()
  })
})
