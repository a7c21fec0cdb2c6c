import { TidingsError } from '@tidings/core'
import { startDevBroker, type BrokerEmulation } from '@tidings/devbroker'
import { aliyunEmulation } from '@tidings/devbroker/aliyun'
import { emqxEmulation } from '@tidings/devbroker/emqx'
import { Option, type Command } from 'commander'
import type { Io } from './sub.js'

interface BrokerFlags {
  host: string
  port: string
  wsPort: string
  emulate?: 'emqx' | 'aliyun'
  jwtSecret?: string
  instanceId?: string
  accessKeyId?: string
  json?: boolean
}

/** `tidings broker`: the embedded devbroker, optionally emulating EMQX JWT auth or Aliyun sign-in. */
export function registerBroker(program: Command, io: Io, run: (fn: () => Promise<void>) => Promise<void>): void {
  program
    .command('broker')
    .description('run a local broker for development (TCP and WebSocket at /mqtt)')
    .option('--host <host>', 'interface to listen on (keep it on loopback: no TLS)', '127.0.0.1')
    .option('--port <port>', 'MQTT TCP port, 0 for any free one', '1883')
    .option('--ws-port <port>', 'WebSocket port, 0 for any free one', '8083')
    .addOption(
      new Option('--emulate <broker>', 'check sign-in and rules as this broker does').choices(['emqx', 'aliyun']),
    )
    .option('--jwt-secret <secret>', 'emqx: HMAC secret JWTs must be signed with (or EMQX_JWT_SECRET)')
    .option('--instance-id <id>', 'aliyun: the instance id user names must name', 'mqtt-cn-dev')
    .option('--access-key-id <id>', 'aliyun: AccessKeyId accepted (secret from ALIYUN_ACCESS_KEY_SECRET)')
    .option('--json', 'print the URLs as one JSON line')
    .action((flags: BrokerFlags) => run(() => serve(flags, io)))
}

async function serve(flags: BrokerFlags, io: Io): Promise<void> {
  const port = (name: string, value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new TidingsError('INVALID_OPTIONS', `${name} must be a port`)
    return n
  }
  const emulate = emulation(flags)
  const broker = await startDevBroker({
    host: flags.host,
    tcpPort: port('--port', flags.port),
    wsPort: port('--ws-port', flags.wsPort),
    ...(emulate ? { emulate } : {}),
  })
  if (flags.json) {
    io.out(JSON.stringify({ mqtt: broker.mqttUrl, ws: broker.wsUrl, emulate: flags.emulate ?? null }))
  } else {
    const s = io.style
    io.out(`${s.bold('tidings devbroker')}${flags.emulate ? ` emulating ${flags.emulate}` : ''}`)
    io.out(`  mqtt  ${s.cyan(broker.mqttUrl)}`)
    io.out(`  ws    ${s.cyan(broker.wsUrl)}`)
    io.out(s.dim('Ctrl-C to stop.'))
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await broker.close()
}

function emulation(flags: BrokerFlags): BrokerEmulation | undefined {
  if (flags.emulate === 'emqx') {
    const secret = flags.jwtSecret ?? process.env.EMQX_JWT_SECRET
    if (!secret) throw new TidingsError('INVALID_OPTIONS', '--emulate emqx needs --jwt-secret or EMQX_JWT_SECRET')
    return emqxEmulation({ secret, verifyClaims: { username: '${username}', clientid: '${clientid}' } })
  }
  if (flags.emulate === 'aliyun') {
    const id = flags.accessKeyId ?? process.env.ALIYUN_ACCESS_KEY_ID
    const secret = process.env.ALIYUN_ACCESS_KEY_SECRET
    if (!id || !secret) {
      throw new TidingsError(
        'INVALID_OPTIONS',
        '--emulate aliyun needs --access-key-id (or ALIYUN_ACCESS_KEY_ID) and ALIYUN_ACCESS_KEY_SECRET in the environment',
      )
    }
    return aliyunEmulation({ instanceId: flags.instanceId ?? 'mqtt-cn-dev', accessKeys: { [id]: secret } })
  }
  return undefined
}
