import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

// The client entry runs in browsers and mini-programs: no jose, no Node built-ins, no path into ./server.
test('the client entry imports only @tidings/core and its own files', () => {
  const dir = fileURLToPath(new URL('../src/', import.meta.url))
  const files = readdirSync(dir).filter((name) => name.endsWith('.ts'))
  expect(files.length).toBeGreaterThan(3)
  for (const name of files) {
    const source = readFileSync(dir + name, 'utf8')
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]!)
    for (const specifier of imports) {
      expect(
        specifier === '@tidings/core' || (specifier.startsWith('./') && !specifier.startsWith('./server')),
        `${name} imports ${specifier}`,
      ).toBe(true)
    }
  }
})
