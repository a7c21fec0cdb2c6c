import { existsSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { createContext, runInContext } from 'node:vm'
import { describe, expect, test } from 'vitest'
import { BUDGET_APP, bundleApp, measure } from './support/bundle.js'

// Minified + gzip budget for an app importing createClient, topic, json and websocket. For scale:
// MQTT.js's own mqtt.min.js is about 105 KiB gzip.
const BUDGET_GZIP_BYTES = 75 * 1024

const coreBrowserBuild = fileURLToPath(new URL('../../core/dist/browser/index.js', import.meta.url))

describe('browser build of core + transport-ws', () => {
  test("core's browser build exists (build @tidings/core first)", () => {
    expect(existsSync(coreBrowserBuild), `${coreBrowserBuild} is missing: run the workspace build`).toBe(true)
  })

  test(`fits the size budget: ≤ ${BUDGET_GZIP_BYTES / 1024} KiB minified + gzip`, async () => {
    const size = await measure(BUDGET_APP)
    console.log(
      `browser bundle (createClient, topic, json, websocket): raw ${size.raw} B, min ${size.min} B, gzip ${size.gzip} B (${(size.gzip / 1024).toFixed(1)} KiB)`,
    )
    expect(size.gzip).toBeLessThanOrEqual(BUDGET_GZIP_BYTES)
  })

  test('the transport adds little on top of core (< 2 KiB gzip)', async () => {
    const [withTransport, coreOnly] = await Promise.all([
      measure(BUDGET_APP),
      measure("import { createClient, json, topic } from '@tidings/core'\nexport { createClient, json, topic }"),
    ])
    expect(withTransport.gzip - coreOnly.gzip).toBeLessThan(2048)
  })

  test('pulls in no Node built-in module', async () => {
    const { metafile } = await bundleApp(BUDGET_APP, { minify: false })
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]))
    const imports = Object.values(metafile.inputs).flatMap((input) => input.imports.map((i) => i.path))
    expect(imports.filter((path) => builtins.has(path) || path.startsWith('node:'))).toEqual([])
  })

  test('loads and speaks MQTT with no Node globals at all (no process, Buffer, require, setImmediate)', async () => {
    const { code } = await bundleApp(`${BUDGET_APP}\nexport { genericBroker } from '@tidings/core'`, {
      minify: true,
      format: 'iife',
    })
    // Only what every browser has; the realm's own builtins (Uint8Array, Promise…) come with the context.
    const sandbox = createContext({
      setTimeout,
      clearTimeout,
      setInterval,
      clearInterval,
      queueMicrotask,
      console,
      TextEncoder,
      TextDecoder,
      AbortController,
      EventTarget,
      Event,
    })
    runInContext(new TextDecoder().decode(code), sandbox)
    const app = (sandbox as { app: Record<string, (...args: never[]) => unknown> }).app
    for (const name of ['process', 'Buffer', 'require', 'setImmediate', 'global'])
      expect(name in sandbox, name).toBe(false)

    const sent: number[] = []
    // A socket that accepts any CONNECT with CONNACK 0, as a broker would.
    class FakeWebSocket {
      binaryType = ''
      readyState = 0
      protocol = ''
      bufferedAmount = 0
      onopen: ((e: unknown) => void) | null = null
      onmessage: ((e: { data: unknown }) => void) | null = null
      onclose: ((e: unknown) => void) | null = null
      onerror: ((e: unknown) => void) | null = null
      constructor(
        readonly url: string,
        readonly protocols: string[],
      ) {
        setTimeout(() => {
          this.readyState = 1
          this.protocol = 'mqtt'
          this.onopen?.({})
        }, 1)
      }
      send(data: Uint8Array): void {
        sent.push(data[0]! >> 4)
        if (data[0]! >> 4 === 1) setTimeout(() => this.onmessage?.({ data: new Uint8Array([0x20, 2, 0, 0]).buffer }), 1)
      }
      close(): void {
        this.readyState = 3
        setTimeout(() => this.onclose?.({ code: 1000 }), 1)
      }
    }
    const { createClient, topic, json, websocket, genericBroker } = app as unknown as typeof import('@tidings/core') &
      typeof import('../src/index.js')
    const client = createClient({
      broker: genericBroker({ url: 'ws://127.0.0.1:1/mqtt', capabilities: { mqtt5: false } }),
      transport: websocket({ WebSocket: FakeWebSocket }),
      reconnect: false,
    })
    await client.connect()
    await client.publish(topic('a/{b}', json<number>()), { b: 'x' }, 1)
    await client.close({ force: true })
    expect(sent.slice(0, 2)).toEqual([1, 3]) // CONNECT, then PUBLISH
  })
})
