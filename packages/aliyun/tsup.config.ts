import { defineConfig } from 'tsup'

// Two entries: the client side (safe for browsers and mini-programs) and ./server (Node only).
export default defineConfig({
  entry: { index: 'src/index.ts', 'server/index': 'src/server/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  target: 'es2020',
})
