import type { Transport, TransportOpenOptions, TransportStream } from '@tidings/core'
import { alipay, bytedance, uniapp, wechat, type MiniTransportOptions } from '../../../transport-wechat/src/index.js'
import {
  createFakePlatform,
  memoryWire,
  type FakePlatform,
  type MemoryConnection,
  type PlatformShape,
} from '../../src/wechat/index.js'

/** A transport factory per platform shape, so one suite runs against all four. */
export const SHAPES: Array<{
  shape: PlatformShape
  name: string
  make: (api: unknown, options?: MiniTransportOptions & Record<string, unknown>) => Transport
}> = [
  { shape: 'wx', name: 'wechat', make: (api, o) => wechat({ ...o, wx: api as never }) },
  { shape: 'my', name: 'alipay', make: (api, o) => alipay({ ...o, my: api as never }) },
  { shape: 'uni', name: 'uniapp', make: (api, o) => uniapp({ ...o, uni: api as never }) },
  { shape: 'uni-my', name: 'uniapp', make: (api, o) => uniapp({ ...o, uni: api as never }) },
  { shape: 'tt', name: 'bytedance', make: (api, o) => bytedance({ ...o, tt: api as never }) },
]

/** Shapes whose socket is Alipay's: nested messages, no close code, subprotocol in the header. */
export const onAlipay = (shape: PlatformShape): boolean => shape === 'my' || shape === 'uni-my'

export const ENDPOINT = { host: 'mq.example.com', port: 443, path: '/mqtt' }
export const OPEN: TransportOpenOptions = { scheme: 'wss', protocols: ['mqtt'], connectTimeoutMs: 5000 }

/** A fake platform on the memory wire plus a transport on it. */
export function memorySetup(
  entry: (typeof SHAPES)[number],
  options: MiniTransportOptions & Record<string, unknown> = {},
): {
  platform: FakePlatform
  connections: MemoryConnection[]
  transport: Transport
} {
  const { wire, connections } = memoryWire()
  const platform = createFakePlatform(entry.shape, { wire })
  const transport = entry.make(platform.api, { production: 'off', ...options })
  return { platform, connections, transport }
}

/** Lets promise callbacks and stream ticks run. */
export const flush = async (rounds = 5): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setTimeout(r, 0))
}

/** Writes and resolves when the stream accepted the chunk. */
export const write = (stream: TransportStream, chunk: Uint8Array): Promise<void> =>
  new Promise((resolve, reject) => stream.write(chunk, (error?: Error | null) => (error ? reject(error) : resolve())))

/** Collects what a stream emits. */
export function watch(stream: TransportStream): { data: Uint8Array[]; closes: number; errors: Error[] } {
  const seen = { data: [] as Uint8Array[], closes: 0, errors: [] as Error[] }
  stream.on('data', (chunk: Uint8Array) => seen.data.push(new Uint8Array(chunk)))
  stream.on('close', () => {
    seen.closes++
  })
  stream.on('error', (error: Error) => seen.errors.push(error))
  return seen
}

/** Polls until `check` holds, failing after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
