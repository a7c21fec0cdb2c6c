import { json, topic } from '@tidings/core'

/** What happened: someone liked an article, followed you, or commented. */
export type NotificationKind = 'like' | 'follow' | 'comment'

/** One entry in the bell's dropdown. */
export interface Notification {
  id: string
  kind: NotificationKind
  /** Who did it, e.g. `'Ann Lee'`. */
  actor: string
  /** Article title, for likes and comments. */
  article?: string
  /** Comment text. */
  text?: string
  /** ISO timestamp. */
  at: string
  read: boolean
}

/** Each new notification of a user, as it happens. */
export const notifications = topic('user/{userId}/notifications', json<Notification>(), { qos: 1 })

/**
 * The user's unread count, retained: the broker keeps the last value, so a freshly opened tab shows the
 * count at once, before any new event.
 */
export const unread = topic('user/{userId}/unread', json<{ count: number }>(), { qos: 1, retain: true })
