import { defineConfig } from 'tsup'
import { ADAPTER_ENTRIES, packageBuild } from '../../tsup.preset.js'

export default defineConfig(packageBuild(ADAPTER_ENTRIES))
