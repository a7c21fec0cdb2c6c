#!/usr/bin/env node
import { buildProgram } from './program.js'

// `tidings …`: every failure is reported by the program as `error CODE: message` plus a hint.
await buildProgram().parseAsync(process.argv)
// After a failure (a --timeout, say) a connection attempt may still be pending: it must not keep the
// process alive. Output to pipes and files is written synchronously, so nothing is lost.
if (process.exitCode) process.exit()
