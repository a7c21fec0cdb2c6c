import { bytes, TidingsError, topic } from '@tidings/core'
import type { Command } from 'commander'
import { resolveSettings, withConnectionOptions, type ConnectionFlags } from '../connection/options.js'
import { openClient } from '../connection/open.js'
import { encodePayload, parseFormat, payloadText, payloadValue } from '../output/payload.js'
import type { Io } from './sub.js'
import { listenUntil } from './listen-until.js'
import { collect, parseCount, parseParams, parseQos, parseSeconds, topicArg } from './topic-arg.js'

interface RespondFlags extends ConnectionFlags {
  param?: string[]
  qos?: string
  format?: string
  reply?: string
  echo?: boolean
  share?: string
  jsonl?: boolean
  verbose?: boolean
  count?: string
  timeout?: string
}

/** `tidings respond <topic|template> (--reply <message> | --echo)`: answers requests until --count or Ctrl-C. */
export function registerRespond(program: Command, io: Io, run: (fn: () => Promise<void>) => Promise<void>): void {
  withConnectionOptions(
    program
      .command('respond')
      .description('answer requests with a fixed reply or an echo, printing each request')
      .argument('<topic>', 'topic, or template with {params} (omitted ones match anything)')
      .option('-p, --param <key=value>', 'template parameter (repeatable)', collect)
      .option('--reply <message>', 'answer every request with this message (read in --format)')
      .option('--echo', 'answer every request with its own payload')
      .option('-q, --qos <qos>', 'subscription QoS: 0, 1 or 2', '1')
      .option('-f, --format <format>', 'read --reply and show requests as text, json, hex or base64', 'text')
      .option('--share <group>', 'answer as one member of a shared subscription group')
      .option('--jsonl', 'one JSON object per request: topic, payload, params, qos, time')
      .option('-v, --verbose', 'print the topic before each request')
      .option('-C, --count <n>', 'exit after answering n requests')
      .option('-W, --timeout <seconds>', 'stop after this long; with --count, fail (exit 124) if fewer arrived'),
  ).action((text: string, flags: RespondFlags) => run(() => respond(text, flags, io)))
}

async function respond(text: string, flags: RespondFlags, io: Io): Promise<void> {
  const qos = parseQos(flags.qos, 1)
  const format = parseFormat(flags.format)
  const count = parseCount('--count', flags.count)
  const timeout = parseSeconds('--timeout', flags.timeout)
  if ((flags.reply !== undefined) === (flags.echo === true))
    throw new TidingsError('INVALID_OPTIONS', 'give exactly one of: --reply <message>, --echo')
  const fixed = flags.reply !== undefined ? encodePayload(flags.reply, format) : undefined
  const arg = topicArg(text, parseParams(flags.param), { qos, allowFilter: false })
  if (arg.kind !== 'typed') throw new TidingsError('INVALID_TOPIC', 'use a {param} template instead of + or #')
  const definition = topic(arg.topic.template, bytes(), { qos, reply: bytes() })
  const filter = definition.filter(arg.params)
  const settings = resolveSettings(flags)
  // Replies go to the topic each requester names; a minted grant covers tidings' default reply topics.
  const { client } = await openClient(settings, { subscribe: [filter], publish: ['tidings/reply/#'] })
  let answered = 0
  const listening = listenUntil(client, { count, timeout, noun: 'requests', arrived: () => answered })
  const { finish } = listening
  client.on('error', (error) => io.err(io.errStyle.yellow(`warning ${error.code}: ${error.message}`)))
  await client.respond(
    definition,
    arg.params,
    (payload, meta) => {
      if (count !== undefined && answered >= count)
        throw new TidingsError('SERVER_UNAVAILABLE', 'the responder is stopping')
      answered++
      if (flags.jsonl) {
        const fields = { payload: payloadValue(payload, format), params: meta.params, qos: meta.qos }
        io.out(JSON.stringify({ topic: meta.topic, ...fields, time: new Date().toISOString() }))
      } else {
        const body = payloadText(payload, format, io.style.enabled)
        io.out(flags.verbose ? `${io.style.cyan(meta.topic)} ${body}` : body)
      }
      // The reply is handed to the client after this returns, within the same turn of the event loop.
      if (count !== undefined && answered >= count) setImmediate(() => finish())
      return fixed ?? payload
    },
    { qos, ...(flags.share !== undefined ? { share: flags.share } : {}) },
  )
  io.err(io.errStyle.dim(`answering requests on ${filter}`))
  try {
    await listening.ended()
  } finally {
    // Not forced: replies still awaiting their PUBACK get the close timeout to be acknowledged.
    await client.close()
  }
}
