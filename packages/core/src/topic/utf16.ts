/**
 * True when `s` is well-formed UTF-16: every surrogate is part of a pair. A lone surrogate cannot be
 * encoded as UTF-8, so it reaches the wire as U+FFFD and two different strings (`a\ud800`, `a\udc00`)
 * would name the same topic. Written out rather than `String.prototype.isWellFormed` because
 * mini-program runtimes predate ES2024.
 */
export function isWellFormedUtf16(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0xd800 || c > 0xdfff) continue
    if (c >= 0xdc00) return false // a low surrogate with no high one before it
    const next = s.charCodeAt(i + 1) // NaN past the end
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false
    i++
  }
  return true
}
