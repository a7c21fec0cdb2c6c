import { randomBytes } from 'node:crypto'
import { bytes, TidingsError, topic } from '@tidings/core'
import type { Command } from 'commander'
import { resolveSettings, withConnectionOptions, type ConnectionFlags } from '../connection/options.js'
import { openClient } from '../connection/open.js'
import { encodePayload, parseFormat, payloadText, payloadValue } from '../output/payload.js'
import { readInput } from './pub.js'
import type { Io } from './sub.js'
import { collect, parseParams, parseQos, parseSeconds, topicArg } from './topic-arg.js'

interface RequestFlags extends ConnectionFlags {
  param?: string[]
  qos?: string
  format?: string
  file?: string
  stdin?: boolean
  timeout?: string
  replyTopic?: string
  jsonl?: boolean
}

/** `tidings request <topic> [message | --file | --stdin]`: sends one request and prints the reply. */
export function registerRequest(program: Command, io: Io, run: (fn: () => Promise<void>) => Promise<void>): void {
  withConnectionOptions(
    program
      .command('request')
      .description('send a request and print the reply (exit 124 when none comes within --timeout)')
      .argument('<topic>', 'topic, or template with {params}')
      .argument('[message]', 'the request (else --file or --stdin)')
      .option('-p, --param <key=value>', 'template parameter (repeatable)', collect)
      .option('-q, --qos <qos>', 'QoS of the request (the reply follows it): 0, 1 or 2', '1')
      .option('-f, --format <format>', 'read the request and show the reply as text, json, hex or base64', 'text')
      .option('--file <path>', 'send the contents of a file')
      .option('--stdin', 'send standard input')
      .option('--jsonl', 'print the reply as one JSON object: topic, payload, time')
      .option('-W, --timeout <seconds>', 'how long to wait for the reply', '10')
      .option('--reply-topic <topic>', 'where the reply comes to (default tidings/reply/<random>)'),
  ).action((text: string, message: string | undefined, flags: RequestFlags) =>
    run(() => request(text, message, flags, io)),
  )
}

async function request(text: string, message: string | undefined, flags: RequestFlags, io: Io): Promise<void> {
  const qos = parseQos(flags.qos, 1)
  const format = parseFormat(flags.format)
  const timeout = parseSeconds('--timeout', flags.timeout) ?? 10
  const sources = [message !== undefined, flags.file !== undefined, flags.stdin === true].filter(Boolean).length
  if (sources !== 1) {
    throw new TidingsError('INVALID_OPTIONS', 'give exactly one of: a message argument, --file <path>, --stdin')
  }
  const input = message ?? (flags.file !== undefined ? readInput(flags.file) : readInput(0))
  const payload = encodePayload(input, format)
  const arg = topicArg(text, parseParams(flags.param), { qos, allowFilter: false })
  if (arg.kind !== 'typed') throw new TidingsError('INVALID_TOPIC', 'cannot send a request to a filter')
  const definition = topic(arg.topic.template, bytes(), { qos, reply: bytes() })
  const name = definition.name(arg.params as never)
  // Known before connecting, so credentials minted for this command (an EMQX JWT) cover it.
  const replyTopic = flags.replyTopic ?? `tidings/reply/${randomBytes(12).toString('hex')}`
  const settings = resolveSettings(flags)
  const { client } = await openClient(settings, { subscribe: [replyTopic], publish: [name] }, { replyTopic })
  try {
    client.on('error', (error) => io.err(io.errStyle.yellow(`warning ${error.code}: ${error.message}`)))
    const reply = await client.request(definition, arg.params as never, payload, { timeoutMs: timeout * 1000 })
    if (flags.jsonl) {
      io.out(JSON.stringify({ topic: name, payload: payloadValue(reply, format), time: new Date().toISOString() }))
    } else io.out(payloadText(reply, format, io.style.enabled))
  } finally {
    await client.close({ force: true })
  }
}
