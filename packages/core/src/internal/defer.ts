/** Runs `fn` as a microtask. Mini-program runtimes may lack `queueMicrotask`, so fall back to a promise. */
export function defer(fn: () => void): void {
  if (typeof queueMicrotask === 'function') queueMicrotask(fn)
  else void Promise.resolve().then(fn)
}
