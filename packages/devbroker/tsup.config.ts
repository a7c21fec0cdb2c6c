import { defineConfig } from 'tsup'

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'emulators/emqx/index': 'src/emulators/emqx/index.ts',
      'emulators/aliyun/index': 'src/emulators/aliyun/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
  },
  { entry: ['src/cli.ts'], format: ['esm'], sourcemap: true, target: 'node20' },
])
