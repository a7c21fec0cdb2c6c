import { defineConfig } from 'vitest/config'

// One run over every package: unit tests next to their package, integration suites in
// packages/conformance. Shared suites are `*.case.ts` and never collected on their own.
// Workspace packages resolve to their TypeScript sources through the `tidings-source` export condition,
// so tests never depend on (or race with) a build.
const conditions = ['tidings-source', 'node', 'import', 'module', 'default']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['node'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.case.ts'],
    typecheck: { enabled: true, include: ['packages/*/test/**/*.test-d.ts'], tsconfig: './tsconfig.test.json' },
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Real brokers and browsers on 2 cores: a little parallelism, no more.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
})
