import { createClient, type TidingsClient } from '@tidings/core'
import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { WebSocket } from 'ws'
import { browserLifecycle, websocket, type BrowserWindowLike } from '../src/index.js'

/** A window and document whose events the test fires by hand. */
function fakeWindow(): BrowserWindowLike & {
  fire(type: string): void
  setVisible(visible: boolean): void
  count(): number
} {
  const listeners = new Map<string, Set<() => void>>()
  const add = (type: string, f: () => void): void =>
    void (listeners.get(type) ?? listeners.set(type, new Set()).get(type)!).add(f)
  const remove = (type: string, f: () => void): void => void listeners.get(type)?.delete(f)
  const document = { visibilityState: 'hidden', addEventListener: add, removeEventListener: remove }
  return {
    document,
    addEventListener: add,
    removeEventListener: remove,
    fire: (type) => listeners.get(type)?.forEach((f) => f()),
    setVisible(visible) {
      document.visibilityState = visible ? 'visible' : 'hidden'
      listeners.get('visibilitychange')?.forEach((f) => f())
    },
    count: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  }
}

describe('browserLifecycle', () => {
  let broker: DevBroker
  beforeAll(async () => {
    broker = await startDevBroker()
  })
  afterAll(async () => {
    await broker.close()
  })

  const lost = async (win: ReturnType<typeof fakeWindow>): Promise<TidingsClient> => {
    // Retry timers never fire: only the page event can bring the client back.
    const timers = { setTimeout: () => undefined, clearTimeout: () => {} }
    const client = createClient({
      broker: broker.profile(),
      transport: websocket({ WebSocket, lifecycle: browserLifecycle(win) }),
      timers,
    })
    await client.connect()
    broker.dropClients()
    await vi.waitFor(() => expect(client.state).toBe('reconnecting'), { timeout: 2000 })
    return client
  }

  test("the network coming back ('online') reconnects at once", async () => {
    const win = fakeWindow()
    const client = await lost(win)
    win.fire('offline')
    expect(client.state).toBe('reconnecting')
    win.fire('online')
    await vi.waitFor(() => expect(client.state).toBe('online'), { timeout: 1000 })
    await client.close()
    expect(win.count()).toBe(0)
  })

  test('the tab becoming visible reconnects at once; becoming hidden does not', async () => {
    const win = fakeWindow()
    const client = await lost(win)
    win.setVisible(false)
    await new Promise((r) => setTimeout(r, 100))
    expect(client.state).toBe('reconnecting')
    win.setVisible(true)
    await vi.waitFor(() => expect(client.state).toBe('online'), { timeout: 1000 })
    await client.close()
  })

  test('does nothing where there is no window (Node)', () => {
    const lifecycle = browserLifecycle()
    const stop = lifecycle.onNetworkChange!(() => {})
    expect(typeof stop).toBe('function')
    stop()
  })
})
