// MQTT.js deep-copies a publish only to keep it in its offline store. tidings writes its publishes itself,
// and only on a live connection, so that copy never runs; a shallow one stands in for the deep-copy library.
module.exports = (value) => Object.assign({}, value)
