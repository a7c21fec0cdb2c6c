import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8'
import { serveParent } from '../child.js'
import { rawClient, type SoakClient, tidingsClient } from './clients.js'

// The soak client in its own process, so the heap read here is the client's alone: not the broker
// fixture's, nor the runner's.
const [side, port] = process.argv.slice(2) as ['raw' | 'tidings', string]
const collect = (globalThis as { gc?: () => void }).gc
if (!collect) throw new Error('bench soak worker: run node with --expose-gc')

const client: SoakClient = side === 'raw' ? await rawClient(Number(port)) : await tidingsClient(Number(port))
let online: Promise<void> | undefined

/**
 * Used heap outside the code spaces: compiled code grows as V8 re-optimises the reconnect path, which is
 * not memory the client holds on to. Its metadata (deopt data, relocation info) sits in old space and is
 * still counted here; the snapshot rows of the suite split it out (`README.md`).
 */
function heapWithoutCode(): number {
  return getHeapSpaceStatistics()
    .filter((space) => !space.space_name.startsWith('code_'))
    .reduce((sum, space) => sum + space.space_used_size, 0)
}

/** Used bytes of every heap space, after a full GC: tells which space a slope comes from. */
function spaces(): Record<string, number> {
  return Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.space_used_size]))
}

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
      return { total: heapWithoutCode(), spaces: spaces() }
    case 'snapshot':
      // For diffing what the heap holds between two points of a run (`bench/soak/README.md`).
      collect()
      collect()
      return writeHeapSnapshot(String(command.path))
    case 'close':
      return client.close()
    default:
      throw new Error(`unknown command ${command.op}`)
  }
})
