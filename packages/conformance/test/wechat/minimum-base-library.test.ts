import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BASE_LIBRARY_FEATURES, MINIMUM_BASE_LIBRARY, type MiniPlatform } from '../../../transport-wechat/src/index.js'

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'transport-wechat')

/** The body rows of the first Markdown table after `heading`, as trimmed cells. */
function tableAfter(file: string, heading: string): string[][] {
  const text = readFileSync(join(pkg, file), 'utf8')
  const at = text.indexOf(`\n${heading}\n`)
  if (at < 0) throw new Error(`${file} has no "${heading}"`)
  const lines = text.slice(at).split('\n')
  const first = lines.findIndex((line) => line.startsWith('|'))
  const rows: string[][] = []
  for (let i = first + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    rows.push(
      lines[i]!.slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    )
  }
  return rows
}

const features = BASE_LIBRARY_FEATURES.map(({ platform, feature, minimum, needed }) => ({
  platform,
  feature,
  minimum: minimum ?? '–',
  needed,
}))

describe('MINIMUM_BASE_LIBRARY and the README tables', () => {
  it('the English table is BASE_LIBRARY_FEATURES, row for row', () => {
    const names: Record<string, MiniPlatform> = {
      WeChat: 'wechat',
      Alipay: 'alipay',
      'uni-app': 'uniapp',
      ByteDance: 'bytedance',
    }
    const rows = tableAfter('README.md', '## Minimum base library').map(([platform, feature, minimum, needed]) => ({
      platform: names[platform!] ?? platform,
      feature,
      minimum,
      needed: needed === 'yes' ? true : needed === 'no' ? false : needed,
    }))
    expect(rows).toEqual(features)
  })

  it('the Chinese table has the same platforms, versions and needs, row for row', () => {
    const names: Record<string, MiniPlatform> = {
      微信: 'wechat',
      支付宝: 'alipay',
      'uni-app': 'uniapp',
      抖音: 'bytedance',
    }
    const rows = tableAfter('README.zh-CN.md', '## 基础库版本').map(([platform, , minimum, needed]) => ({
      platform: names[platform!] ?? platform,
      minimum,
      needed: needed === '是' ? true : needed === '否' ? false : needed,
    }))
    expect(rows).toEqual(features.map(({ platform, minimum, needed }) => ({ platform, minimum, needed })))
  })

  it('is the highest minimum of the needed features per platform, compared as versions', () => {
    expect(MINIMUM_BASE_LIBRARY).toEqual({ wechat: '2.2.1', alipay: null, uniapp: null, bytedance: null })
    // 2.10.0 is newer than 2.9.3 and 2.2.1: a string comparison would get these wrong.
    for (const platform of Object.keys(MINIMUM_BASE_LIBRARY) as MiniPlatform[]) {
      const needed = BASE_LIBRARY_FEATURES.filter((f) => f.platform === platform && f.needed && f.minimum !== null)
      const highest = needed
        .map((f) => f.minimum!)
        .sort((a, b) => {
          const [x, y] = [a, b].map((v) => v.split('.').map(Number))
          return x![0]! - y![0]! || x![1]! - y![1]! || x![2]! - y![2]!
        })
        .pop()
      expect(MINIMUM_BASE_LIBRARY[platform]).toBe(highest ?? null)
    }
  })

  it('both READMEs state the same WeChat minimum in their prose', () => {
    for (const file of ['README.md', 'README.zh-CN.md']) {
      expect(readFileSync(join(pkg, file), 'utf8')).toContain(`wechat: '${MINIMUM_BASE_LIBRARY.wechat}'`)
    }
  })
})
