import type { BuildResult } from 'esbuild'
export declare function bundle(options?: {
  minify?: boolean
  outfile?: string
  write?: boolean
}): Promise<BuildResult<{ metafile: true }>>
