import { exactArrayBuffer, type CloseInfo } from '@tidings/core'
import { errMsgOf, platformError, type PlatformSocket, type PlatformSocketEvents } from './mini-transport.js'
import type { SocketTaskLike } from './platform-types.js'

/**
 * Maps a WeChat-shaped SocketTask (also uni-app's and ByteDance's) onto the socket events. Listeners are
 * attached synchronously, right after `connectSocket` returned, as WeChat requires (a later `onOpen` may
 * miss the event).
 */
export function bindSocketTask(
  adapter: string,
  task: SocketTaskLike<{ data: string | ArrayBuffer }, { code?: number | string; reason?: string }>,
  events: PlatformSocketEvents,
): PlatformSocket {
  task.onOpen(() => events.open())
  task.onMessage((result) => events.message(result.data))
  task.onClose((result) => events.close(closeInfo(result)))
  task.onError((result) => events.error(platformError(adapter, errMsgOf(result, 'socket error'), result)))
  return {
    send(data, done) {
      task.send({
        // Exactly the packet: `data.buffer` may be a pooled 8 KB buffer shared with other packets.
        data: exactArrayBuffer(data),
        success: () => done(),
        fail: (result) => done(platformError(adapter, errMsgOf(result, 'send failed'), result)),
      })
    },
    close(code, reason) {
      // The result of close() is reported by onClose; a failure here means the socket is already gone.
      task.close({ code, reason, fail: () => {} })
    },
  }
}

/** `{ code, reason }` from a close event; ByteDance reports the code as a string. */
export function closeInfo(result: { code?: number | string; reason?: string } | undefined): CloseInfo {
  const info: CloseInfo = {}
  const code = typeof result?.code === 'string' ? Number(result.code) : result?.code
  if (typeof code === 'number' && Number.isFinite(code)) info.code = code
  if (typeof result?.reason === 'string' && result.reason.length > 0) info.reason = result.reason
  return info
}
