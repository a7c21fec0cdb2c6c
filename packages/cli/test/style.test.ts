import { describe, expect, it } from 'vitest'
import { styleFor } from '../src/output/style.js'

describe('colours', () => {
  it('only on a terminal, never with NO_COLOR or TERM=dumb', () => {
    expect(styleFor({ isTTY: true }, {}).red('x')).toBe('\u001b[31mx\u001b[39m')
    expect(styleFor({ isTTY: false }, {}).red('x')).toBe('x')
    expect(styleFor({ isTTY: true }, { NO_COLOR: '' }).red('x')).toBe('x')
    expect(styleFor({ isTTY: true }, { TERM: 'dumb' }).enabled).toBe(false)
  })
})
