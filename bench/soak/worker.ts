import { serveParent } from '../child.js'
import { rawClient, type SoakClient, tidingsClient } from './clients.js'

// The soak client in its own process, so the heap read here is the client's alone: not the broker
// fixture's, nor the runner's.
const [side, port] = process.argv.slice(2) as ['raw' | 'tidings', string]
const collect = (globalThis as { gc?: () => void }).gc
if (!collect) throw new Error('bench soak worker: run node with --expose-gc')

const client: SoakClient = side === 'raw' ? await rawClient(Number(port)) : await tidingsClient(Number(port))
let online: Promise<void> | undefined
serveParent(async (command) => {
  switch (command.op) {
    case 'arm':
      // Listen for the reconnection before the broker goes down; the answer is awaited by `cycle`.
      online = client.nextOnline()
      online.catch(() => {})
      return null
    case 'cycle':
      if (!online) throw new Error('cycle before arm')
      await online
      online = undefined
      return client.roundTrip(Number(command.index))
    case 'heap':
      collect()
      collect()
      return process.memoryUsage().heapUsed
    case 'close':
      return client.close()
    default:
      throw new Error(`unknown command ${command.op}`)
  }
})
