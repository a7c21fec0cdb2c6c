import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.preset.js'

export default defineConfig([
  packageBuild(
    {
      index: 'src/index.ts',
      'emulators/emqx/index': 'src/emulators/emqx/index.ts',
      'emulators/aliyun/index': 'src/emulators/aliyun/index.ts',
    },
    // Node only: the embedded broker never runs in a browser.
    { target: 'node20' },
  ),
  { entry: ['src/cli.ts'], format: ['esm'], sourcemap: true, target: 'node20' },
])
