import type { Notification, NotificationKind } from './topics.js'

/** Most notifications kept per user; older ones fall off the list. */
const KEEP = 50

/** In-memory notifications per user. A real backend keeps these in its database. */
export interface NotificationStore {
  add(userId: string, event: { kind: NotificationKind; actor: string; article?: string; text?: string }): Notification
  list(userId: string): Notification[]
  unreadCount(userId: string): number
  markAllRead(userId: string): void
}

export function createNotificationStore(): NotificationStore {
  const byUser = new Map<string, Notification[]>()
  let sequence = 0
  const listOf = (userId: string): Notification[] => {
    let list = byUser.get(userId)
    if (!list) byUser.set(userId, (list = []))
    return list
  }
  return {
    add(userId, event) {
      const notification: Notification = {
        id: `n${Date.now().toString(36)}${(++sequence).toString(36)}`,
        kind: event.kind,
        actor: event.actor,
        ...(event.article ? { article: event.article } : {}),
        ...(event.text ? { text: event.text } : {}),
        at: new Date().toISOString(),
        read: false,
      }
      const list = listOf(userId)
      list.unshift(notification)
      list.length = Math.min(list.length, KEEP)
      return notification
    },
    list: (userId) => [...listOf(userId)],
    unreadCount: (userId) => listOf(userId).filter((n) => !n.read).length,
    markAllRead(userId) {
      for (const n of listOf(userId)) n.read = true
    },
  }
}
