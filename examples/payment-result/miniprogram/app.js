// Where the mini-program connects. Both domains must be in the 服务器域名 whitelist (socket: wss://,
// request: https://) of the mini-program's admin console.
App({
  globalData: {
    brokerUrl: 'wss://mq.example.com/mqtt',
    apiBase: 'https://shop.example.com',
    // How long to wait for the pushed result before asking the backend once over HTTP.
    waitMs: 120000,
    transport: {},
  },
})
