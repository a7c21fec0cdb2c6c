import type { PlatformLifecycle } from '@tidings/core'
import type { LifecycleApi } from './platform-types.js'

/**
 * How long after the app returns to the foreground a socket close still counts as "found on resume".
 * Sockets interrupted in the background report their close when the JS thread resumes, sometimes after
 * `onAppShow`; the client would then wait for its backoff unless it hears "foreground" once more.
 */
const RESUME_WINDOW_MS = 5000
/** Lets the client handle the close (it becomes `reconnecting`) before hearing "foreground" again. */
const REANNOUNCE_DELAY_MS = 20

/** A lifecycle plus the hook the transport uses to spot sockets that died while the app was hidden. */
export interface TransportLifecycle extends PlatformLifecycle {
  /** Called when a socket is created; returns what to call when the platform reports it closed. */
  track(): () => void
}

/**
 * Lifecycle events of a platform object (`wx`, `my`, `uni`, `tt` all name them alike). The platform is
 * resolved when the first listener is added, never before. Platforms without `off*` methods are handled
 * by deactivating the listener instead.
 */
export function platformLifecycle(resolve: () => LifecycleApi | undefined): TransportLifecycle {
  const foreground = new Set<() => void>()
  let stopShow: (() => void) | undefined
  // Each onAppShow starts a new resume; one late close per resume earns one more announcement.
  let resume = 0
  let announced = 0
  let shownAt = Number.NEGATIVE_INFINITY

  const announce = (): void => {
    for (const listener of [...foreground]) listener()
  }

  return {
    onForeground(listener) {
      const api = resolve()
      if (!api) return () => {}
      foreground.add(listener)
      stopShow ??= subscribe(api, api.onAppShow, api.offAppShow, () => {
        resume++
        shownAt = Date.now()
        announce()
      })
      return () => {
        foreground.delete(listener)
        if (foreground.size === 0) {
          stopShow?.()
          stopShow = undefined
        }
      }
    },
    onBackground(listener) {
      const api = resolve()
      if (!api) return () => {}
      return subscribe(api, api.onAppHide, api.offAppHide, () => listener())
    },
    onNetworkChange(listener) {
      const api = resolve()
      if (!api) return () => {}
      return subscribe(api, api.onNetworkStatusChange, api.offNetworkStatusChange, (result: { isConnected?: boolean } | undefined) =>
        listener(result?.isConnected !== false),
      )
    },
    track() {
      const openedIn = resume
      return () => {
        // Only a socket opened before the latest onAppShow, closing soon after it, was found dead on resume.
        if (openedIn === resume || announced === resume || Date.now() - shownAt > RESUME_WINDOW_MS) return
        announced = resume
        setTimeout(announce, REANNOUNCE_DELAY_MS)
      }
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
