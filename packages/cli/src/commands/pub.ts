import { readFileSync } from 'node:fs'
import { TidingsError } from '@tidings/core'
import type { Command } from 'commander'
import { resolveSettings, withConnectionOptions, type ConnectionFlags } from '../connection/options.js'
import { openClient } from '../connection/open.js'
import { encodePayload, parseFormat } from '../output/payload.js'
import type { Io } from './sub.js'
import { collect, parseCount, parseParams, parseQos, parseSeconds, topicArg } from './topic-arg.js'

interface PubFlags extends ConnectionFlags {
  param?: string[]
  qos?: string
  retain?: boolean
  format?: string
  file?: string
  stdin?: boolean
  count?: string
  timeout?: string
}

// Beyond every broker's limit anyway; stops a mistaken `--file /dev/zero` from eating memory.
const MAX_INPUT_BYTES = 256 * 1024 * 1024

/** `tidings pub <topic> [message | --file | --stdin]`. */
export function registerPub(program: Command, io: Io, run: (fn: () => Promise<void>) => Promise<void>): void {
  withConnectionOptions(
    program
      .command('pub')
      .description('publish one message (or --count copies)')
      .argument('<topic>', 'topic, or template with {params}')
      .argument('[message]', 'the message (else --file or --stdin)')
      .option('-p, --param <key=value>', 'template parameter (repeatable)', collect)
      .option('-q, --qos <qos>', 'QoS: 0, 1 or 2', '0')
      .option('-r, --retain', 'ask the broker to retain the message')
      .option('-f, --format <format>', 'read the message as text, json (checked), hex or base64', 'text')
      .option('--file <path>', 'send the contents of a file')
      .option('--stdin', 'send standard input')
      .option('-C, --count <n>', 'publish the message n times', '1')
      .option('-W, --timeout <seconds>', 'fail (exit 124) unless connected and acknowledged within this long'),
  ).action((text: string, message: string | undefined, flags: PubFlags) => run(() => publish(text, message, flags, io)))
}

async function publish(text: string, message: string | undefined, flags: PubFlags, io: Io): Promise<void> {
  const qos = parseQos(flags.qos)
  const format = parseFormat(flags.format)
  const count = parseCount('--count', flags.count) ?? 1
  const timeout = parseSeconds('--timeout', flags.timeout)
  const sources = [message !== undefined, flags.file !== undefined, flags.stdin === true].filter(Boolean).length
  if (sources !== 1) {
    throw new TidingsError('INVALID_OPTIONS', 'give exactly one of: a message argument, --file <path>, --stdin')
  }
  const input = message ?? (flags.file !== undefined ? readInput(flags.file) : readInput(0))
  const payload = encodePayload(input, format)
  const arg = topicArg(text, parseParams(flags.param), { qos, retain: flags.retain === true, allowFilter: false })
  if (arg.kind !== 'typed') throw new TidingsError('INVALID_TOPIC', 'cannot publish to a filter')
  const name = arg.topic.name(arg.params as never)
  const settings = resolveSettings(flags)
  const work = async (): Promise<void> => {
    const { client } = await openClient(settings, { subscribe: [], publish: [name] })
    try {
      for (let i = 0; i < count; i++) await client.publish(arg.topic, arg.params as never, payload)
      io.err(io.errStyle.dim(`published ${count} message${count === 1 ? '' : 's'} to ${name}`))
    } finally {
      await client.close()
    }
  }
  if (timeout === undefined) return work()
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TidingsError('TIMEOUT', `not published within ${timeout} s`)), timeout * 1000)
  })
  try {
    await Promise.race([work(), expired])
  } finally {
    clearTimeout(timer)
  }
}

/** Reads a message from a file or (0) standard input, bounded in size. */
export function readInput(source: string | 0): Uint8Array {
  try {
    const data = readFileSync(source)
    if (data.byteLength > MAX_INPUT_BYTES) {
      throw new TidingsError('PAYLOAD_TOO_LARGE', `input is larger than ${MAX_INPUT_BYTES} bytes`)
    }
    return new Uint8Array(data)
  } catch (error) {
    if (error instanceof TidingsError) throw error
    throw new TidingsError(
      'INVALID_OPTIONS',
      `cannot read ${source === 0 ? 'standard input' : source}: ${(error as Error).message}`,
    )
  }
}
