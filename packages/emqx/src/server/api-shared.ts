import type { EmqxList } from './api-types.js'

/** Splits a list into runs of at most `size`. */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
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
