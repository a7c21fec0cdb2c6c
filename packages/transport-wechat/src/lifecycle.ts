import type { PlatformLifecycle } from '@tidings/core'
import type { LifecycleApi } from './platform-types.js'

/**
 * Lifecycle events of a platform object (`wx`, `my`, `uni`, `tt` all name them alike). The platform is
 * resolved when the first listener is added, never before. Platforms without `off*` methods are handled
 * by deactivating the listener instead.
 */
export function platformLifecycle(resolve: () => LifecycleApi | undefined): PlatformLifecycle {
  return {
    onForeground(listener) {
      const api = resolve()
      if (!api) return () => {}
      return subscribe(api, api.onAppShow, api.offAppShow, () => listener())
    },
    onBackground(listener) {
      const api = resolve()
      if (!api) return () => {}
      return subscribe(api, api.onAppHide, api.offAppHide, () => listener())
    },
    onNetworkChange(listener) {
      const api = resolve()
      if (!api) return () => {}
      return subscribe(
        api,
        api.onNetworkStatusChange,
        api.offNetworkStatusChange,
        (result: { isConnected?: boolean } | undefined) => listener(result?.isConnected !== false),
      )
    },
  }
}

/** Adds a platform listener; the returned function removes it (or mutes it where there is no `off*`). */
function subscribe<A extends unknown[]>(
  target: LifecycleApi,
  on: ((listener: (...args: A) => void) => void) | undefined,
  off: ((listener: (...args: A) => void) => void) | undefined,
  handler: (...args: A) => void,
): () => void {
  let active = true
  const guarded = (...args: A): void => {
    if (active) handler(...args)
  }
  on?.call(target, guarded)
  return () => {
    active = false
    off?.call(target, guarded)
  }
}
