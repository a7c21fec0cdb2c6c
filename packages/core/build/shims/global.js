// The global object in browsers, workers and mini-programs (which may lack `globalThis`).
// `Function('return this')` is the one form mini-program runtimes allow.
export const globalObject =
  typeof globalThis !== 'undefined' ? globalThis : typeof self !== 'undefined' ? self : Function('return this')()
