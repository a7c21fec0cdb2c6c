import { TidingsError } from '@tidings/core'
import type { EmqxBulkPublishResult, EmqxList } from './api-types.js'

/** Splits a list into runs of at most `size`. */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}

/**
 * Sends a bulk publish in runs of `size` and keeps one outcome per message, so a caller can retry exactly the
 * messages that were not published. `send` returns the outcome of each message of its run, or throws when the
 * request failed as a whole; after such a failure the remaining runs are not sent. Rejects only when no
 * message at all was published, with the first error.
 */
export async function publishInRuns<T>(
  messages: readonly T[],
  size: number,
  send: (run: T[]) => Promise<EmqxBulkPublishResult[]>,
): Promise<EmqxBulkPublishResult[]> {
  const results: EmqxBulkPublishResult[] = []
  let stopped: TidingsError | undefined
  let first: TidingsError | undefined
  for (const run of chunks(messages, size)) {
    if (stopped) {
      const error = notSent(stopped)
      for (let i = 0; i < run.length; i++) results.push({ error })
      continue
    }
    try {
      const outcomes = await send(run)
      results.push(...outcomes)
      first ??= outcomes.find((outcome) => outcome.error)?.error
    } catch (caught) {
      stopped = TidingsError.from(caught, 'API_ERROR', { adapter: 'emqx' })
      first ??= stopped
      for (let i = 0; i < run.length; i++) results.push({ error: stopped })
    }
  }
  if (first && results.every((result) => result.error)) throw first
  return results
}

function notSent(cause: TidingsError): TidingsError {
  return new TidingsError(cause.code, 'not sent: an earlier bulk publish request failed', {
    adapter: 'emqx',
    cause,
    ...(cause.status !== undefined ? { status: cause.status } : {}),
  })
}

/** A `{ data, meta }` page, tolerating a bare array. */
export function listOf<T>(body: unknown): EmqxList<T> {
  if (Array.isArray(body))
    return { data: body as T[], meta: { page: 1, limit: body.length, count: body.length, hasnext: false } }
  const page = (body ?? {}) as { data?: unknown; meta?: Partial<EmqxList<T>['meta']> }
  const data = Array.isArray(page.data) ? (page.data as T[]) : []
  const meta = page.meta ?? {}
  return {
    data,
    meta: {
      page: meta.page ?? 1,
      limit: meta.limit ?? data.length,
      ...(meta.count !== undefined ? { count: meta.count } : {}),
      hasnext: meta.hasnext ?? false,
    },
  }
}
