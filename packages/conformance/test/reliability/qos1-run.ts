import type { ClientState, TidingsClient } from '@tidings/core'

/** A small seeded PRNG (mulberry32), so a failing fault schedule can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The seed of this run: `TIDINGS_SEED` when set (to replay a failure), else a fresh one. */
export function runSeed(): number {
  const given = Number(process.env.TIDINGS_SEED)
  return Number.isInteger(given) && given > 0 ? given : Math.floor(Math.random() * 2 ** 31) + 1
}

/**
 * Publishes 1..count through `publish`, keeping at most `window` unacknowledged at once, as a backend
 * does, and at most `perSecond` a second (so a run lasts long enough for its faults). Resolves when every
 * publish resolved; collects the rejections instead of stopping on the first.
 */
export async function publishWindowed(
  count: number,
  { window, perSecond }: { window: number; perSecond: number },
  publish: (n: number) => Promise<void>,
): Promise<{ failed: Array<{ n: number; error: unknown }> }> {
  const failed: Array<{ n: number; error: unknown }> = []
  const inFlight = new Set<Promise<void>>()
  const started = Date.now()
  for (let n = 1; n <= count; n++) {
    while (inFlight.size >= window) await Promise.race(inFlight)
    const early = started + (n * 1000) / perSecond - Date.now()
    if (early > 0) await new Promise((r) => setTimeout(r, early))
    const sent: Promise<void> = publish(n).then(
      () => void inFlight.delete(sent),
      (error: unknown) => {
        failed.push({ n, error })
        inFlight.delete(sent)
      },
    )
    inFlight.add(sent)
  }
  await Promise.all(inFlight)
  return { failed }
}

/** One delivery to the subscriber's handler. */
export interface Delivery {
  readonly n: number
  readonly dup: boolean
}

/** What a run's deliveries amount to. */
export interface Verdict {
  /** Handler calls. */
  received: number
  /** Distinct messages among them. */
  unique: number
  /** Of 1..sent, the ones never delivered. */
  lost: number[]
  /** Deliveries of a message already delivered. */
  duplicates: number
  /** Duplicates the broker flagged DUP (its own resend to this subscriber). */
  dupFlagged: number
  /** First deliveries that came after a later message's first delivery. */
  outOfOrder: Array<{ n: number; after: number }>
  /** Duplicates neither flagged DUP by the broker nor explained by `resentByPublisher`. */
  unexplained: number[]
}

/**
 * Judges the deliveries of 1..sent: nothing lost, first deliveries in publish order, and every
 * duplicate either flagged DUP by the broker or a message the publisher itself resent with DUP set (the
 * broker takes such a resend as a new message, so it reaches subscribers unflagged).
 */
export function judge(deliveries: Delivery[], sent: number, resentByPublisher: ReadonlySet<number>): Verdict {
  const seen = new Set<number>()
  const verdict: Verdict = {
    received: deliveries.length,
    unique: 0,
    lost: [],
    duplicates: 0,
    dupFlagged: 0,
    outOfOrder: [],
    unexplained: [],
  }
  let highest = 0
  for (const { n, dup } of deliveries) {
    if (seen.has(n)) {
      verdict.duplicates++
      if (dup) verdict.dupFlagged++
      else if (!resentByPublisher.has(n)) verdict.unexplained.push(n)
      continue
    }
    seen.add(n)
    if (n < highest) verdict.outOfOrder.push({ n, after: highest })
    highest = Math.max(highest, n)
  }
  verdict.unique = seen.size
  for (let n = 1; n <= sent; n++) if (!seen.has(n)) verdict.lost.push(n)
  return verdict
}

/** Connection history of one client: drops, returns, and how long each drop took to notice. */
export interface ConnectionLog {
  /** Times the client went from online to reconnecting. */
  readonly drops: number
  /** Times it came back online after a drop. */
  readonly returns: number
  /** For each drop, milliseconds from the fault (see `faultAt`) to the client noticing. */
  readonly detectionMs: number[]
  /** Marks the instant a fault was injected on this client's path. */
  faultAt(at?: number): void
}

/** Records a client's state changes against the faults the test injects. */
export function watchConnection(client: TidingsClient): ConnectionLog {
  let drops = 0
  let returns = 0
  let lastFault: number | undefined
  const detectionMs: number[] = []
  let previous: ClientState = client.state
  client.on('state', (state) => {
    if (state === 'reconnecting' && previous === 'online') {
      drops++
      if (lastFault !== undefined) detectionMs.push(Date.now() - lastFault)
      lastFault = undefined
    }
    if (state === 'online' && previous === 'reconnecting') returns++
    previous = state
  })
  return {
    get drops() {
      return drops
    },
    get returns() {
      return returns
    },
    detectionMs,
    faultAt(at = Date.now()) {
      if (previous === 'online' && lastFault === undefined) lastFault = at
    },
  }
}

/** `[min, median, max]` of a list of milliseconds, or dashes when empty. */
export function spread(values: number[]): string {
  if (values.length === 0) return '–'
  const sorted = [...values].sort((a, b) => a - b)
  return `${sorted[0]} / ${sorted[Math.floor(sorted.length / 2)]} / ${sorted.at(-1)} ms`
}
