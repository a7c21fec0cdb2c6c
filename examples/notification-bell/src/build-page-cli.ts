import { buildPage } from './build-page.js'

// `pnpm build:page`
const { dir, metafile } = await buildPage()
const bytes = Object.values(metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0
console.log(`page built in ${dir} (app.js ${(bytes / 1024).toFixed(1)} KB minified)`)
