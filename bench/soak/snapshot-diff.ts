import { readFileSync } from 'node:fs'

/** What a heap grew by between two snapshots, split by what holds the bytes. */
export interface HeapGrowth {
  /** Objects, arrays, strings, closures, buffers: what a program (the client, MQTT.js, Node) keeps. */
  jsBytes: number
  jsCount: number
  /**
   * V8's compiled code and its metadata (code objects, deoptimisation data, relocation info, source
   * position tables, feedback vectors, the weak lists that track optimised code). Much of it sits in old
   * space, not in the code spaces, so excluding code spaces from a heap figure does not exclude it.
   */
  v8CodeBytes: number
  v8CodeCount: number
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
  nodes: number[]
}

/** Node types of a V8 heap snapshot that are the engine's compiled code and bookkeeping, not program data. */
const V8_CODE = new Set(['code', 'hidden'])

/** Self sizes summed per category. Synthetic nodes (roots) have no size and are left out. */
function totals(path: string): HeapGrowth {
  const { snapshot, nodes } = JSON.parse(readFileSync(path, 'utf8')) as Snapshot
  const fields = snapshot.meta.node_fields
  const types = snapshot.meta.node_types[0]
  const stride = fields.length
  const typeAt = fields.indexOf('type')
  const sizeAt = fields.indexOf('self_size')
  const sum: HeapGrowth = { jsBytes: 0, jsCount: 0, v8CodeBytes: 0, v8CodeCount: 0 }
  for (let i = 0; i < nodes.length; i += stride) {
    const type = types[nodes[i + typeAt]!]!
    if (type === 'synthetic') continue
    if (V8_CODE.has(type)) {
      sum.v8CodeBytes += nodes[i + sizeAt]!
      sum.v8CodeCount++
    } else {
      sum.jsBytes += nodes[i + sizeAt]!
      sum.jsCount++
    }
  }
  return sum
}

/** Growth from the snapshot at `before` to the one at `after` (files from `v8.writeHeapSnapshot`). */
export function heapGrowth(before: string, after: string): HeapGrowth {
  const a = totals(before)
  const b = totals(after)
  return {
    jsBytes: b.jsBytes - a.jsBytes,
    jsCount: b.jsCount - a.jsCount,
    v8CodeBytes: b.v8CodeBytes - a.v8CodeBytes,
    v8CodeCount: b.v8CodeCount - a.v8CodeCount,
  }
}
