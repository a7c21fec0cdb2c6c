import { describe, expect, it } from 'vitest'
import { ERROR_CODES, TidingsError, backoffDelay, isTidingsError, reconnectDefaults } from '../src/index.js'

describe('TidingsError', () => {
  it('carries code, reason code, adapter, cause and a prefixed message', () => {
    const cause = new Error('boom')
    const e = new TidingsError('NOT_AUTHORIZED', 'refused', { reasonCode: 135, adapter: 'emqx', cause })
    expect(e).toBeInstanceOf(Error)
    expect(e.name).toBe('TidingsError')
    expect(e.message).toBe('[tidings] [emqx] refused')
    expect(e.code).toBe('NOT_AUTHORIZED')
    expect(e.reasonCode).toBe(135)
    expect(e.cause).toBe(cause)
  })

  it('recognises errors from another copy of the package by name and code', () => {
    const foreign = Object.assign(new Error('x'), { name: 'TidingsError', code: 'TIMEOUT' })
    expect(isTidingsError(foreign)).toBe(true)
    expect(isTidingsError(Object.assign(new Error('x'), { name: 'TidingsError', code: 'MADE_UP' }))).toBe(false)
    expect(isTidingsError(new Error('x'))).toBe(false)
    expect(TidingsError.from(foreign)).toBe(foreign)
    const wrapped = TidingsError.from('text', 'API_ERROR')
    expect(wrapped.code).toBe('API_ERROR')
    expect(wrapped.cause).toBe('text')
  })

  it('documents every code', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z_]+$/)
      expect(meaning.length).toBeGreaterThan(10)
    }
  })
})

describe('backoffDelay', () => {
  it('is full jitter under a ceiling that stays at baseMs for three attempts, then doubles up to capMs', () => {
    const policy = { ...reconnectDefaults, baseMs: 100, capMs: 1000 }
    const top = (attempt: number): number => backoffDelay(policy, attempt, () => 0.999)
    expect([1, 2, 3, 4, 5, 6, 7].map(top)).toEqual([99, 99, 99, 199, 399, 799, 999])
    expect(backoffDelay(policy, 60, () => 0.5)).toBe(500)
    expect(backoffDelay(policy, 3, () => 0)).toBe(0)
  })

  it('spreads a fleet: delays of 1000 clients cover the window evenly', () => {
    const policy = { ...reconnectDefaults, baseMs: 1000, capMs: 30_000 }
    const buckets = new Array(10).fill(0)
    for (let i = 0; i < 1000; i++) buckets[Math.floor(backoffDelay(policy, 1) / 100)]++
    // Uniform: about 100 per 100 ms bucket, never everyone at once.
    expect(Math.max(...buckets)).toBeLessThan(170)
    expect(Math.min(...buckets)).toBeGreaterThan(40)
  })
})
