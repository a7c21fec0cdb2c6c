import { TidingsError } from '../errors.js'

/** A publish waiting for the client to come online. */
export interface QueuedPublish {
  topic: string
  payload: string | Uint8Array
  qos: 0 | 1 | 2
  retain: boolean
  properties: Record<string, unknown> | undefined
  resolve: () => void
  reject: (error: TidingsError) => void
}

/** Publishes made while offline, in order, up to `limit`; beyond it new ones are refused. */
export class OfflineQueue {
  private items: QueuedPublish[] = []

  constructor(private readonly limit: number) {}

  get length(): number {
    return this.items.length
  }

  /** Queues, or rejects the publish with OFFLINE_QUEUE_FULL. `front` puts a retried publish back first. */
  push(item: QueuedPublish, front = false): void {
    if (this.items.length >= this.limit) {
      item.reject(
        new TidingsError(
          'OFFLINE_QUEUE_FULL',
          `offline queue is full (${this.limit} publishes); publish to ${item.topic} refused`,
          { topic: item.topic },
        ),
      )
      return
    }
    if (front) this.items.unshift(item)
    else this.items.push(item)
  }

  /** Removes and returns everything queued. */
  drain(): QueuedPublish[] {
    const items = this.items
    this.items = []
    return items
  }

  rejectAll(error: TidingsError): void {
    for (const item of this.drain()) item.reject(error)
  }
}
