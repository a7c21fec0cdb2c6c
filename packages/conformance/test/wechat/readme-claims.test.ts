import { describe, expect, it } from 'vitest'
import { wechat } from '../../../transport-wechat/src/index.js'
import { buildBundle, createFakePlatform, loadMiniProgram, memoryWire } from '../../src/wechat/index.js'
import { ENDPOINT, OPEN } from './helpers.js'

// Each test backs one sentence of packages/transport-wechat/README.md.
describe('README claims', () => {
  it('"at load it reads nothing from process, Buffer, document or the platform objects": reads throw', async () => {
    await buildBundle()
    // window, navigator and self are only left out: MQTT.js's browser check reads `navigator.product` when
    // a navigator exists (never in a mini-program's logic layer), as the README says.
    const trap = ['document', 'process', 'Buffer', 'wx', 'my', 'uni', 'tt']
    const sandbox = loadMiniProgram({ trap })
    try {
      expect(Object.keys(sandbox.exports)).toContain('createClient')
      // The trap works: reading one of them does throw.
      expect(() => sandbox.evaluate('process.env')).toThrow(/read from the global process/)
    } finally {
      sandbox.dispose()
    }
  }, 60_000)

  it('"the platform object is read when the client is created (lifecycle) or connects, never at import"', () => {
    const reads: string[] = []
    const { wire } = memoryWire()
    const platform = createFakePlatform('wx', { wire })
    const counted = new Proxy(platform.api, {
      get(target, key) {
        reads.push(String(key))
        return Reflect.get(target, key)
      },
    })
    const transport = wechat({ wx: counted as never, production: 'off' })
    expect(reads).toEqual([])
    transport.lifecycle!.onForeground!(() => {})
    expect(reads).toContain('onAppShow')
    transport.open(ENDPOINT, OPEN).destroy()
    expect(reads).toContain('connectSocket')
  })
})
