import { defineConfig } from 'tsup'

// One entry: the profile is safe for browsers, mini-programs and Node alike.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  target: 'es2020',
})
