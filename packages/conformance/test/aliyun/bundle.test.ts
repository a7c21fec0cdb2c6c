import { fileURLToPath } from 'node:url'
import * as clientEntry from '@tidings/aliyun'
import { build } from 'esbuild'
import { expect, test } from 'vitest'

const entry = fileURLToPath(new URL('../../../aliyun/src/index.ts', import.meta.url))
const serverEntry = fileURLToPath(new URL('../../../aliyun/src/server/index.ts', import.meta.url))

async function bundle(path: string, platform: 'browser' | 'node') {
  return build({
    entryPoints: [path],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform,
    // Core is a peer dependency; everything else the entry pulls in is inlined and inspected.
    external: ['@tidings/core'],
    conditions: ['tidings-source'],
    logLevel: 'silent',
  })
}

test('the client entry bundles for browsers with no pop-core, no Node built-ins and no AccessKeySecret API', async () => {
  const result = await bundle(entry, 'browser')
  const inputs = Object.keys(result.metafile.inputs)
  const code = result.outputFiles[0]!.text
  expect(inputs.some((i) => i.includes('pop-core'))).toBe(false)
  expect(inputs.some((i) => i.includes('/server/'))).toBe(false)
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path))
  expect([...new Set(imports)]).toEqual(['@tidings/core'])
  expect(code).not.toMatch(/from\s*["'](node:)?(os|http|https|crypto|fs|net)["']/)
  expect(code).not.toMatch(/require\(["'](node:)?(os|http|https|crypto)["']\)/)
  // The per-device secret is fine on the device; the account secret is not.
  expect(code).toMatch(/deviceAccessKeySecret/)
  expect(code).not.toMatch(/(?<!device)accessKeySecret/i)
  // Public API: nothing takes an account AccessKeySecret.
  expect(Object.keys(clientEntry).sort()).toEqual([
    'ALIYUN_LIMITS',
    'ALIYUN_PORTS',
    'TOKEN_INVALID_CODES',
    'aliyun',
    'assertClientId',
    'assertGroupId',
    'deviceCredentialAuth',
    'formatTokenPassword',
    'p2pTopic',
    'parseTokenPassword',
    'presignedAuth',
    'tokenAuth',
    'tokenTypeOf',
    'validateAliyunTopic',
  ])
  // Small enough for a mini-program package.
  expect(code.length).toBeLessThan(40_000)
})

test('the server entry is where pop-core and node:crypto live', async () => {
  const result = await bundle(serverEntry, 'node')
  const inputs = Object.keys(result.metafile.inputs)
  expect(inputs.some((i) => i.includes('pop-core'))).toBe(true)
  await expect(bundle(serverEntry, 'browser')).rejects.toThrow()
})
