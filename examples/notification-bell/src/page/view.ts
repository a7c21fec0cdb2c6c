import type { ClientState, TidingsError } from '@tidings/core'
import type { Notification } from '../topics.js'

/** What the page shows; all DOM work lives here so `app.ts` reads as the tidings part. */
export interface BellView {
  setUnread(count: number, animate: boolean): void
  /** Shows the connection state; while not online, the last error's message is the indicator's tooltip. */
  setConnection(state: ClientState | 'connecting', error?: TidingsError): void
  showAll(list: readonly Notification[]): void
  add(notification: Notification): void
  markAllRead(): void
  toast(text: string): void
  onMarkAllRead(handler: () => void): void
  onSimulate(handler: (kind: 'like' | 'follow' | 'comment') => void): void
}

const CONNECTION_LABELS: Record<string, string> = {
  connecting: 'Connecting…',
  online: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
  closed: 'Offline',
}
const AVATAR_COLOURS = ['#e8590c', '#1c7ed6', '#2b8a3e', '#9c36b5', '#c2255c', '#0b7285', '#5f3dc4', '#e67700']
const ICONS = { like: '♥', comment: '✎', follow: '+' } as const

export function createBellView(document: Document, title: string): BellView {
  const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T
  const bell = $<HTMLButtonElement>('bell')
  const badge = $('bell-badge')
  const panel = $('panel')
  const list = $<HTMLOListElement>('notification-list')
  const markAll = $<HTMLButtonElement>('mark-all-read')
  const connection = $('connection')
  const toastBox = $('toast')
  let unread = 0
  let toastTimer: ReturnType<typeof setTimeout> | undefined

  const setOpen = (open: boolean): void => {
    panel.hidden = !open
    bell.setAttribute('aria-expanded', String(open))
    if (open) refreshTimes()
  }
  bell.addEventListener('click', (event) => {
    event.stopPropagation()
    setOpen(panel.hidden)
  })
  panel.addEventListener('click', (event) => event.stopPropagation())
  document.addEventListener('click', () => setOpen(false))
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') setOpen(false)
  })
  setInterval(refreshTimes, 30_000)

  function refreshTimes(): void {
    for (const time of list.querySelectorAll('time')) time.textContent = timeAgo(time.dateTime)
  }

  function item(n: Notification): HTMLLIElement {
    const li = document.createElement('li')
    li.className = `notification${n.read ? '' : ' unread'}`
    li.dataset.id = n.id
    const avatar = document.createElement('span')
    avatar.className = 'kind'
    const face = document.createElement('span')
    face.className = 'avatar'
    face.style.background = colourFor(n.actor)
    face.textContent = initials(n.actor)
    const icon = document.createElement('span')
    icon.className = `icon ${n.kind}`
    icon.textContent = ICONS[n.kind]
    avatar.append(face, icon)

    const body = document.createElement('div')
    body.className = 'body'
    const who = document.createElement('span')
    who.className = 'who'
    who.textContent = n.actor
    body.append(who, ` ${sentence(n)}`)
    if (n.kind === 'comment' && n.text) {
      const quote = document.createElement('span')
      quote.className = 'quote'
      quote.textContent = `“${n.text}”`
      body.append(quote)
    }
    const time = document.createElement('time')
    time.dateTime = n.at
    time.textContent = timeAgo(n.at)
    body.append(time)
    li.append(avatar, body)
    return li
  }

  return {
    setUnread(count, animate) {
      const changed = count !== unread
      unread = count
      badge.hidden = count === 0
      badge.textContent = count > 99 ? '99+' : String(count)
      bell.setAttribute('aria-label', count === 0 ? 'Notifications' : `Notifications, ${count} unread`)
      markAll.disabled = count === 0
      document.title = count === 0 ? title : `(${count}) ${title}`
      if (count === 0) for (const li of list.querySelectorAll('.unread')) li.classList.remove('unread')
      if (animate && changed && count > 0) {
        badge.classList.remove('bump')
        bell.classList.remove('ring')
        void badge.offsetWidth // restart the animations
        badge.classList.add('bump')
        bell.classList.add('ring')
      }
    },
    setConnection(state, error) {
      connection.dataset.connection = state
      connection.querySelector('.label')!.textContent = CONNECTION_LABELS[state] ?? state
      if (state === 'online' || !error) {
        connection.removeAttribute('title')
        delete connection.dataset.error
      } else {
        connection.title = error.message
        connection.dataset.error = error.code
      }
    },
    showAll(notifications) {
      list.replaceChildren(...notifications.map(item))
    },
    add(n) {
      if (list.querySelector(`[data-id="${CSS.escape(n.id)}"]`)) return
      const li = item(n)
      li.classList.add('fresh')
      list.prepend(li)
    },
    markAllRead() {
      for (const li of list.querySelectorAll('.unread')) li.classList.remove('unread')
    },
    toast(text) {
      toastBox.textContent = text
      toastBox.hidden = false
      clearTimeout(toastTimer)
      toastTimer = setTimeout(() => {
        toastBox.hidden = true
      }, 3500)
    },
    onMarkAllRead(handler) {
      markAll.addEventListener('click', handler)
    },
    onSimulate(handler) {
      for (const button of document.querySelectorAll<HTMLButtonElement>('[data-simulate]')) {
        button.addEventListener('click', () => handler(button.dataset.simulate as 'like' | 'follow' | 'comment'))
      }
    },
  }
}

/** The text after the actor's name. */
export function sentence(n: Notification): string {
  if (n.kind === 'like') return `liked “${n.article ?? 'your story'}”`
  if (n.kind === 'follow') return 'started following you'
  return `commented on “${n.article ?? 'your story'}”`
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join('')
}

function colourFor(name: string): string {
  let hash = 0
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0
  return AVATAR_COLOURS[Math.abs(hash) % AVATAR_COLOURS.length]!
}

function timeAgo(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))
  if (seconds < 45) return 'just now'
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  if (hours < 24) return `${hours} h ago`
  return new Date(iso).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
}
