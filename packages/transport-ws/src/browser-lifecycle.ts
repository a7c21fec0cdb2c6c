import type { PlatformLifecycle } from '@tidings/core'

/** The parts of a browser `window` the lifecycle listens to. */
export interface BrowserWindowLike {
  addEventListener(type: string, listener: () => void): void
  removeEventListener(type: string, listener: () => void): void
  readonly document?: {
    readonly visibilityState?: string
    addEventListener(type: string, listener: () => void): void
    removeEventListener(type: string, listener: () => void): void
  }
}

/**
 * Browser page events as a platform lifecycle: the network coming back (`online`) and the tab becoming
 * visible again. With it, a tab that lost its connection while the laptop slept or the Wi-Fi dropped
 * reconnects at once instead of waiting out its backoff.
 *
 * @param target The window. @default globalThis, read when the client starts listening
 */
export function browserLifecycle(target?: BrowserWindowLike): PlatformLifecycle {
  const resolve = (): BrowserWindowLike | undefined => {
    const candidate = target ?? (globalThis as unknown as Partial<BrowserWindowLike>)
    return typeof candidate.addEventListener === 'function' ? (candidate as BrowserWindowLike) : undefined
  }
  return {
    onForeground(listener) {
      const doc = resolve()?.document
      if (!doc) return () => {}
      const onChange = (): void => {
        if (doc.visibilityState === 'visible') listener()
      }
      doc.addEventListener('visibilitychange', onChange)
      return () => doc.removeEventListener('visibilitychange', onChange)
    },
    onNetworkChange(listener) {
      const win = resolve()
      if (!win) return () => {}
      const online = (): void => listener(true)
      const offline = (): void => listener(false)
      win.addEventListener('online', online)
      win.addEventListener('offline', offline)
      return () => {
        win.removeEventListener('online', online)
        win.removeEventListener('offline', offline)
      }
    },
  }
}
