#!/usr/bin/env node
import { buildProgram } from './program.js'

// `tidings …`: every failure is reported by the program as `error CODE: message` plus a hint.
await buildProgram().parseAsync(process.argv)
