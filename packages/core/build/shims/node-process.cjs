// readable-stream requires the npm `process` polyfill (`require('process/')`); under Node it is Node's own.
module.exports = process
