// MQTT.js deep-copies an outgoing QoS 1/2 PUBLISH with rfdc before storing it: plain objects and arrays of
// strings, numbers, booleans and byte arrays (payload, correlation data), all this copies. Functions and
// other objects are shared, as rfdc shares what it does not know.
import { Buffer } from 'buffer'

const copy = (value) => {
  if (typeof value !== 'object' || value === null) return value
  if (Buffer.isBuffer(value)) return Buffer.from(value)
  if (ArrayBuffer.isView(value)) return typeof value.slice === 'function' ? value.slice() : value
  if (value instanceof Date) return new Date(value.getTime())
  if (Array.isArray(value)) return value.map(copy)
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, copy(v)]))
  if (value instanceof Set) return new Set([...value].map(copy))
  const out = {}
  for (const key of Object.keys(value)) out[key] = copy(value[key])
  return out
}

export default copy
