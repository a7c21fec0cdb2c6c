// MQTT.js's table of outgoing topic aliases, left out: tidings writes its publishes itself, uses no topic
// aliases, and takes the broker's Topic Alias Maximum out of CONNACK before MQTT.js reads it
// (packages/core/src/client/mqtt-engine.ts), so MQTT.js never builds this table. Should it ever, this
// stand-in offers no alias and MQTT.js sends full topic names.
class TopicAliasSend {
  put() {
    return false
  }
  getTopicByAlias() {
    return undefined
  }
  getAliasByTopic() {
    return undefined
  }
  getLruAlias() {
    return 0
  }
  clear() {}
}
// MQTT.js loads it through TypeScript's `__importDefault`, which takes `default` only from an ES module.
Object.defineProperty(exports, '__esModule', { value: true })
exports.default = TopicAliasSend
