// The global object of a mini-program, which may lack `globalThis` (and bundled code must not read it:
// the bundle replaces every free `globalThis` with this object). `Function('return this')` is the one
// form of the Function constructor mini-programs allow; where even that is refused, an empty object
// makes dependencies take their fallbacks.
function resolveGlobal() {
  try {
    return Function('return this')() || {}
  } catch {
    return {}
  }
}

export const globalObject = resolveGlobal()
