// readable-stream's `internal/validators`, reduced to the five functions its bundled stream classes call
// (the module holds Node's whole validator set, ~4.6 KB minified). Each makes the same checks and throws
// the same errors as the original. Loaded from readable-stream's own folder (see browser-bundle.mjs), so
// `../ours/errors` is readable-stream's.
const { ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE } = require('../ours/errors').codes

exports.validateObject = (value, name, options) => {
  const own = (key) => options != null && options[key] === true
  if (
    (!own('nullable') && value === null) ||
    (!own('allowArray') && Array.isArray(value)) ||
    (typeof value !== 'object' && (!own('allowFunction') || typeof value !== 'function'))
  )
    throw new ERR_INVALID_ARG_TYPE(name, 'Object', value)
}

exports.validateInteger = (value, name, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) => {
  if (typeof value !== 'number') throw new ERR_INVALID_ARG_TYPE(name, 'number', value)
  if (!Number.isInteger(value)) throw new ERR_OUT_OF_RANGE(name, 'an integer', value)
  if (value < min || value > max) throw new ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value)
}

exports.validateAbortSignal = (signal, name) => {
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal)))
    throw new ERR_INVALID_ARG_TYPE(name, 'AbortSignal', signal)
}

exports.validateFunction = (value, name) => {
  if (typeof value !== 'function') throw new ERR_INVALID_ARG_TYPE(name, 'Function', value)
}

exports.validateBoolean = (value, name) => {
  if (typeof value !== 'boolean') throw new ERR_INVALID_ARG_TYPE(name, 'boolean', value)
}
