// The gift-card page: subscribe to this card's result, only then show the code, and wait for the push.
// If nothing arrives in time (the app was suspended, the network blipped), ask the backend once.
const { createClient, genericBroker, json, topic, wechat } = require('@tidings/transport-wechat')

const consumeResult = topic('giftcard/{cardId}/result', json(), { qos: 1 })

Page({
  data: { cardId: '', qrText: '', status: 'connecting', result: null, message: '' },

  onLoad(query) {
    this.cardId = query.cardId || 'demo-card'
    this.setData({ cardId: this.cardId })
    this.done = this.showCard()
  },

  onUnload() {
    if (this.client) this.client.close()
  },

  retry() {
    this.done = this.showCard()
  },

  async showCard() {
    const { globalData } = getApp()
    const cardId = this.cardId
    this.setData({ status: 'connecting', message: '' })
    try {
      if (!this.client) {
        this.client = createClient({
          // Short-lived credentials would come from your backend: genericBroker({ url, credentials: () => … }).
          broker: genericBroker({ url: globalData.brokerUrl, capabilities: globalData.brokerCapabilities }),
          transport: wechat(globalData.transport),
        })
        this.client.on('error', (error) => console.warn(error.message))
        await this.client.connect()
      }
      const waiting = this.client.waitFor(consumeResult, { cardId }, { timeoutMs: globalData.waitMs })
      // Subscribed before the code is on screen: the result cannot be published before we listen.
      await waiting.ready
      this.setData({ status: 'showing', qrText: `giftcard:${cardId}` })
      let result
      try {
        result = await waiting
      } catch (error) {
        if (error?.code !== 'TIMEOUT') throw error
        result = await fetchResult(globalData.apiBase, cardId)
      }
      this.setData({ status: 'done', result })
    } catch (error) {
      this.setData({ status: 'failed', message: error?.message || String(error) })
    }
  },
})

/** The one HTTP query after a timeout: the backend keeps the last result of every card. */
function fetchResult(apiBase, cardId) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${apiBase}/api/cards/${encodeURIComponent(cardId)}/result`,
      method: 'GET',
      success: (res) =>
        res.statusCode === 200 ? resolve(res.data) : reject(new Error('No result yet: ask the cashier to scan again')),
      fail: (res) => reject(new Error(res.errMsg)),
    })
  })
}
