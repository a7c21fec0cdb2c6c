import type { Timers } from './types.js'

/** The platform's timers, looked up at call time (so fake timers installed later still apply). */
export const nativeTimers: Timers = Object.freeze({
  setTimeout: (f: () => void, ms: number) => setTimeout(f, ms),
  clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
})
