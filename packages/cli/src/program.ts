import { Command } from 'commander'
import { registerBench } from './bench/command.js'
import { registerBroker } from './commands/broker.js'
import { registerPub } from './commands/pub.js'
import { registerRequest } from './commands/request.js'
import { registerRespond } from './commands/respond.js'
import { registerSub, type Io } from './commands/sub.js'
import { reportFailure } from './output/fail.js'
import { styleFor } from './output/style.js'

/** The version printed by `tidings --version`; tsup inlines it from package.json. */
declare const TIDINGS_CLI_VERSION: string

/** Builds the `tidings` program. Failures set `process.exitCode`; nothing calls `process.exit`. */
export function buildProgram(io: Io = defaultIo()): Command {
  const program = new Command('tidings')
    .description(
      'Typed MQTT messaging from the terminal: subscribe, publish, request/respond, run a dev broker, load-test.',
    )
    .version(typeof TIDINGS_CLI_VERSION === 'string' ? TIDINGS_CLI_VERSION : '0.0.0', '--version')
    .option('--debug', 'print stack traces and causes of failures')
    .showHelpAfterError('(add --help for usage)')
  const run = async (fn: () => Promise<void>): Promise<void> => {
    try {
      await fn()
    } catch (error) {
      process.exitCode = reportFailure(error, io.errStyle, program.opts().debug === true, io.err)
    }
  }
  registerSub(program, io, run)
  registerPub(program, io, run)
  registerRequest(program, io, run)
  registerRespond(program, io, run)
  registerBroker(program, io, run)
  registerBench(program, io, run)
  return program
}

function defaultIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    style: styleFor(process.stdout),
    errStyle: styleFor(process.stderr),
  }
}
