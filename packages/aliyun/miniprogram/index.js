// @tidings/aliyun in a mini-program, as WeChat's 构建 npm copies it (the package.json `miniprogram` field):
// the prebuilt @tidings/transport-wechat bundle holds core, the transports and the client side of every
// broker profile, so this file hands out that bundle and its objects are the ones the transport uses
// (one copy of core: `instanceof TidingsError` holds whichever package an error is checked against).
// The adapters' `./server` entries are Node only and are not in the bundle. ES5 on purpose: it is copied
// as it is, and the platform runs it without compiling.
var MISSING =
  '@tidings/aliyun needs @tidings/transport-wechat in a mini-program: add it to the dependencies of the ' +
  "mini-program's package.json, npm install, and run 构建 npm (Tools > Build npm) again"
var bundle
try {
  bundle = require('@tidings/transport-wechat')
} catch (_notInstalled) {
  throw new Error(MISSING)
}
module.exports = bundle
