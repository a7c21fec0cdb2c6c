/** Network status as the platforms report it. */
export interface NetworkStatus {
  isConnected: boolean
  networkType: string
}

type Listener<A> = (arg: A) => void

/**
 * The app lifecycle and network events of a mini-program platform (`onAppShow`, `onAppHide`,
 * `onNetworkStatusChange` and their `off*`), with methods for the test to fire them.
 */
export interface AppEvents {
  onAppShow(listener: Listener<unknown>): void
  offAppShow(listener: Listener<unknown>): void
  onAppHide(listener: Listener<unknown>): void
  offAppHide(listener: Listener<unknown>): void
  onNetworkStatusChange(listener: Listener<NetworkStatus>): void
  offNetworkStatusChange(listener: Listener<NetworkStatus>): void
  show(): void
  hide(): void
  network(isConnected: boolean): void
  /** Listeners currently registered, per event. */
  listeners(): { show: number; hide: number; network: number }
}

export function createAppEvents(): AppEvents {
  const show = new Set<Listener<unknown>>()
  const hide = new Set<Listener<unknown>>()
  const network = new Set<Listener<NetworkStatus>>()
  return {
    onAppShow: (l) => void show.add(l),
    offAppShow: (l) => void show.delete(l),
    onAppHide: (l) => void hide.add(l),
    offAppHide: (l) => void hide.delete(l),
    onNetworkStatusChange: (l) => void network.add(l),
    offNetworkStatusChange: (l) => void network.delete(l),
    show: () => {
      for (const l of [...show]) l({ scene: 1001, path: 'pages/index/index', query: {} })
    },
    hide: () => {
      for (const l of [...hide]) l({})
    },
    network: (isConnected) => {
      for (const l of [...network]) l({ isConnected, networkType: isConnected ? 'wifi' : 'none' })
    },
    listeners: () => ({ show: show.size, hide: hide.size, network: network.size }),
  }
}
