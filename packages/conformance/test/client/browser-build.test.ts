import { build } from 'esbuild'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createContext, runInContext } from 'node:vm'
import { describe, expect, it } from 'vitest'

const browserBuild = fileURLToPath(new URL('../../../core/dist/browser/index.js', import.meta.url))

// The `browser` export condition of @tidings/core: MQTT.js's client and its Node-flavoured dependencies
// prebundled, so an app bundled for the browser runs with no `process`, `Buffer` or Node built-ins.
describe('@tidings/core browser build', () => {
  it('exists (pnpm test builds before testing)', () => {
    expect(existsSync(browserBuild), 'run `pnpm build` first').toBe(true)
  })

  it('runs a client in a context with no Node globals, reporting transport errors with their code', async () => {
    const entry = `
      import { createClient, topic, json, genericBroker, createSocketStream } from '@tidings/core'
      const t = topic('user/{id}/unread', json())
      const transport = { name: 'fake', scheme: 'ws', open: () => createSocketStream((events) => {
        setTimeout(() => events.error(Object.assign(new Error('refused by test'), { code: 'EFAKE' })), 1)
        return { send() {}, close() {} }
      }) }
      const client = createClient({ broker: genericBroker({ url: 'ws://127.0.0.1:9/mqtt', capabilities: { mqtt5: false } }), transport })
      globalThis.outcome = client.connect().then(() => 'connected', (e) => [e.name, e.code, t.filter({})].join(' '))
    `
    const out = await build({
      stdin: { contents: entry, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
    })
    const code = out.outputFiles[0]!.text
    expect(code).not.toMatch(/require\("(net|tls|fs|os|http|events|stream)"\)/)
    const sandbox: Record<string, unknown> = { setTimeout, clearTimeout, setInterval, clearInterval, Promise, console }
    sandbox.globalThis = sandbox
    runInContext(code, createContext(sandbox))
    await expect(sandbox.outcome).resolves.toBe('TidingsError TRANSPORT_ERROR user/+/unread')
  })
})
