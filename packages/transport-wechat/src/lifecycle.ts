import type { PlatformLifecycle } from '@tidings/core'
import type { LifecycleApi } from './platform-types.js'

type Listener = (result?: unknown) => void

/**
 * Lifecycle events of a platform object (`wx`, `my`, `uni`, `tt` all name them alike). The platform is
 * resolved when the first listener is added, never before. Every API is feature-detected: where an
 * `on*` is missing (an old base library, or `wx.onAppShow` inside a plugin) nothing is subscribed, and
 * where its `off*` is missing the listener is muted instead of removed.
 */
export function platformLifecycle(resolve: () => LifecycleApi | undefined): PlatformLifecycle {
  return {
    onForeground(listener) {
      const api = resolve()
      return api ? subscribe(api, api.onAppShow, api.offAppShow, () => listener()) : () => {}
    },
    onBackground(listener) {
      const api = resolve()
      return api ? subscribe(api, api.onAppHide, api.offAppHide, () => listener()) : () => {}
    },
    onNetworkChange(listener) {
      const api = resolve()
      if (!api) return () => {}
      return subscribe(api, api.onNetworkStatusChange, api.offNetworkStatusChange, (result) =>
        listener((result as { isConnected?: unknown } | undefined)?.isConnected !== false),
      )
    },
  }
}

/** Adds a platform listener; the returned function removes it (or mutes it where there is no `off*`). */
function subscribe(
  target: LifecycleApi,
  on: ((listener: Listener) => void) | undefined,
  off: ((listener: Listener) => void) | undefined,
  handler: Listener,
): () => void {
  if (typeof on !== 'function') return () => {}
  let active = true
  const guarded: Listener = (result) => {
    if (active) handler(result)
  }
  on.call(target, guarded)
  return () => {
    active = false
    if (typeof off === 'function') off.call(target, guarded)
  }
}
