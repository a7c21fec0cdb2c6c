import { TidingsError } from '@tidings/core'
import type { Command } from 'commander'
import { resolveSettings, withConnectionOptions, type ConnectionFlags } from '../connection/options.js'
import { openClient } from '../connection/open.js'
import { parseFormat, payloadText, payloadValue } from '../output/payload.js'
import type { Style } from '../output/style.js'
import { listenUntil } from './listen-until.js'
import { collect, parseCount, parseParams, parseQos, parseSeconds, topicArg } from './topic-arg.js'

interface SubFlags extends ConnectionFlags {
  param?: string[]
  qos?: string
  format?: string
  jsonl?: boolean
  verbose?: boolean
  count?: string
  timeout?: string
}

/** Everything a command writes, so tests and the entry point can route it. */
export interface Io {
  out(line: string): void
  err(line: string): void
  style: Style
  errStyle: Style
}

/** `tidings sub <topic|template>`: prints messages until --count, --timeout or Ctrl-C. */
export function registerSub(program: Command, io: Io, run: (fn: () => Promise<void>) => Promise<void>): void {
  withConnectionOptions(
    program
      .command('sub')
      .description('subscribe and print messages (one per line; --jsonl for machines)')
      .argument('<topic>', 'topic, filter with + and #, or template with {params}')
      .option('-p, --param <key=value>', 'template parameter (repeatable); omitted ones match anything', collect)
      .option('-q, --qos <qos>', 'subscription QoS: 0, 1 or 2', '0')
      .option('-f, --format <format>', 'show payloads as text, json, hex or base64', 'text')
      .option('--jsonl', 'one JSON object per message: topic, payload, qos, retain, params, time')
      .option('-v, --verbose', 'print the topic before each payload')
      .option('-C, --count <n>', 'exit after n messages')
      .option('-W, --timeout <seconds>', 'stop after this long; with --count, fail (exit 124) if fewer arrived'),
  ).action((text: string, flags: SubFlags) => run(() => subscribe(text, flags, io)))
}

async function subscribe(text: string, flags: SubFlags, io: Io): Promise<void> {
  const qos = parseQos(flags.qos)
  const format = parseFormat(flags.format)
  const count = parseCount('--count', flags.count)
  const timeout = parseSeconds('--timeout', flags.timeout)
  const arg = topicArg(text, parseParams(flags.param), { qos, allowFilter: true })
  const filter = arg.kind === 'filter' ? arg.filter : arg.topic.filter(arg.params)
  const settings = resolveSettings(flags)
  const { client, session, capabilities, name } = await openClient(settings, { subscribe: [filter], publish: [] })
  if (qos === 2 && !capabilities.qos2) {
    await client.close({ force: true })
    throw new TidingsError('UNSUPPORTED', `${name} does not support QoS 2; the subscription would be downgraded`)
  }
  let received = 0
  const listening = listenUntil(client, { count, timeout, noun: 'messages', arrived: () => received })
  const { finish } = listening
  const show = (topicName: string, payload: Uint8Array, meta?: { qos: number; retain: boolean; params: object }) => {
    if (count !== undefined && received >= count) return
    received++
    if (flags.jsonl) {
      io.out(
        JSON.stringify({
          topic: topicName,
          payload: payloadValue(payload, format),
          ...(meta ? { qos: meta.qos, retain: meta.retain, params: meta.params } : {}),
          time: new Date().toISOString(),
        }),
      )
    } else {
      const body = payloadText(payload, format, io.style.enabled)
      io.out(flags.verbose ? `${io.style.cyan(topicName)} ${body}` : body)
    }
    if (count !== undefined && received >= count) finish()
  }
  client.on('error', (error) => io.err(io.errStyle.yellow(`warning ${error.code}: ${error.message}`)))
  if (arg.kind === 'filter') {
    await session().subscribeRaw(arg.filter, (payload, topicName) => show(topicName, payload), { qos })
  } else {
    await client.subscribe(arg.topic, arg.params, (payload, meta) => show(meta.topic, payload, meta), { qos })
  }
  io.err(io.errStyle.dim(`subscribed to ${filter}`))
  try {
    await listening.ended()
  } finally {
    await client.close({ force: true })
  }
}
