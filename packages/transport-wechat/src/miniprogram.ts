/**
 * The mini-program bundle (`miniprogram_dist/index.js`): everything a mini-program needs from tidings in
 * one file: the core API, the four platform transports, and the client side of every broker profile.
 * Server-side entries (`./server`) are never included.
 *
 * @module
 */
export * from '@tidings/core'
export * from './index.js'
export * from '@tidings/mosquitto'
export * from '@tidings/emqx'
export * from '@tidings/aliyun'
