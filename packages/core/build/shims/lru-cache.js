// MQTT.js uses lru-cache only for outgoing topic aliases (a handful of entries, `max` from the broker's
// CONNACK). This Map-based LRU offers exactly the calls it makes — get/set/size/clear/keys, keys from most
// to least recently used — at a fraction of the size.
export class LRUCache {
  constructor(options) {
    this.max = options.max
    this.map = new Map()
  }
  get size() {
    return this.map.size
  }
  get(key) {
    if (!this.map.has(key)) return undefined
    const value = this.map.get(key)
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this.map.delete(key)
    this.map.set(key, value)
    return value
  }
  set(key, value) {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value)
    return this
  }
  clear() {
    this.map.clear()
  }
  *keys() {
    const keys = [...this.map.keys()]
    for (let i = keys.length - 1; i >= 0; i--) yield keys[i]
  }
}
