import { createClient, type TidingsError } from '@tidings/core'
import { websocket } from '@tidings/transport-ws'
import type { PageConfig } from '../page-files.js'
import { notifications, unread, type Notification } from '../topics.js'
import { pageBroker } from './broker.js'
import { createBellView, sentence } from './view.js'

// The notification bell: the unread badge and the list follow the backend over MQTT, no polling, no refresh.

const STORIES = [
  {
    title: 'Designing for calm software',
    excerpt:
      'Interfaces that wait for you instead of shouting. Notes from two years of removing badges — and the one we kept.',
    reads: '2.1k',
    likes: 214,
    cover: 'linear-gradient(135deg,#ffd8a8,#f783ac)',
  },
  {
    title: 'The quiet cost of polling',
    excerpt:
      'Every 30 seconds, ten thousand phones ask the same question. What push changes for your servers and your users.',
    reads: '1.4k',
    likes: 122,
    cover: 'linear-gradient(135deg,#a5d8ff,#5c7cfa)',
  },
  {
    title: 'Notes on writing every morning',
    excerpt:
      'Four hundred mornings, one notebook, and what I learned about showing up when nothing wants to be written.',
    reads: '986',
    likes: 55,
    cover: 'linear-gradient(135deg,#b2f2bb,#20c997)',
  },
]
const READERS = ['Ann Lee', 'Omar Haddad', 'Sofia Rossi', 'Kenji Mori', 'Lena Fischer', 'Priya Nair', 'Tomás Ortega']
const COMMENTS = [
  'This is exactly what our team needed to read.',
  'Bookmarked — the section on defaults is great.',
  'Could you write a follow-up on the mobile side?',
  'Thank you for this.',
]

const TITLE = 'Your stories · Inkwell'
const view = createBellView(document, TITLE)
renderStories()
const config = (await (await fetch('/config.json')).json()) as PageConfig
// Who is logged in comes from the backend's session, never from the page's own URL or config.
const me = await fetch('/api/me')
if (!me.ok) throw new Error(`not logged in (HTTP ${me.status}): open the page through its backend`)
const { userId } = (await me.json()) as { userId: string }
const api = (path: string, body?: object): Promise<Response> =>
  fetch(
    `/api/${path}`,
    body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {},
  )

const client = createClient({
  broker: pageBroker(config),
  // ws:// or wss:// follows the broker URL: the profile decides the scheme.
  transport: websocket(),
  protocolVersion: config.mqtt5 ? 5 : 4,
  // A page should come back quickly after a broker restart or a network blip.
  reconnect: { baseMs: 500, capMs: 5000 },
})
client.on('state', (state, info) => view.setConnection(state, info.error))
client.on('error', (error) => console.warn(error.message))

let receivedUnread = false
await connect()
await client.subscribe(unread, { userId }, ({ count }, meta) => {
  // The first (retained) value just sets the badge; later ones are news and get the animation.
  view.setUnread(count, receivedUnread && !meta.retain)
  receivedUnread = true
})
await client.subscribe(notifications, { userId }, (n) => {
  view.add(n)
  view.toast(`${n.actor} ${sentence(n)}`)
})
// History comes from the API once; everything after arrives live.
const history = (await (await api('notifications')).json()) as { notifications: Notification[] }
view.showAll(history.notifications)

view.onMarkAllRead(() => {
  view.setUnread(0, false)
  view.markAllRead()
  void api('read-all', {})
})
view.onSimulate((kind) => {
  const from = pick(READERS)
  const story = pick(STORIES).title
  // The demo page plays one of your readers; in a real app readers act from their own pages.
  void api(
    `users/${encodeURIComponent(userId)}/${kind}`,
    kind === 'follow'
      ? { from }
      : kind === 'like'
        ? { from, article: story }
        : { from, article: story, text: pick(COMMENTS) },
  )
})

/** Connects, retrying while the broker cannot be reached (the first attempt of `connect()` does not retry). */
async function connect(): Promise<void> {
  for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await client.connect()
    } catch (error) {
      view.setConnection('reconnecting', error as TidingsError)
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!
}

function renderStories(): void {
  const box = document.getElementById('stories')!
  box.replaceChildren(
    ...STORIES.map((s) => {
      const card = document.createElement('article')
      card.className = 'story'
      const cover = document.createElement('div')
      cover.className = 'cover'
      cover.style.background = s.cover
      const text = document.createElement('div')
      const h2 = document.createElement('h2')
      h2.textContent = s.title
      const p = document.createElement('p')
      p.textContent = s.excerpt
      const meta = document.createElement('div')
      meta.className = 'meta'
      for (const [value, label] of [
        [s.reads, 'reads'],
        [String(s.likes), 'likes'],
      ]) {
        const span = document.createElement('span')
        const b = document.createElement('b')
        b.textContent = value!
        span.append(b, ` ${label}`)
        meta.append(span)
      }
      text.append(h2, p, meta)
      card.append(cover, text)
      return card
    }),
  )
}
