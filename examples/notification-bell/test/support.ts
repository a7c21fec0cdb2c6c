import { createClient, type TidingsClient } from '@tidings/core'
import { emqx, jwtAuth } from '@tidings/emqx'
import { websocket } from '@tidings/transport-ws'
import { WebSocket } from 'ws'
import type { BellBackend } from '../src/backend.js'
import type { DemoBroker } from '../src/demo-broker.js'

/** An HTTP answer, read as JSON. */
export interface Answer {
  status: number
  headers: Headers
  json: Record<string, unknown>
}

/** Calls the backend's API as a browser of the same origin would, with `cookie` (from `backend.login`). */
export async function call(
  backend: BellBackend,
  path: string,
  options: { cookie?: string; body?: object; method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${backend.url}${path}`, {
    method: options.method ?? (options.body ? 'POST' : 'GET'),
    headers: {
      ...(options.body ? { 'content-type': 'application/json' } : {}),
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...options.headers,
    },
    ...(options.body ? { body: JSON.stringify(options.body) } : {}),
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} }
}

/**
 * What the page runs, in Node: the `emqx` profile over WebSocket, fetching its credentials from the backend
 * with the session cookie before every (re)connect. `fetched` counts those fetches.
 */
export function pageClient(
  demo: DemoBroker,
  backend: BellBackend,
  cookie: string,
): { client: TidingsClient; fetched: () => number } {
  let fetched = 0
  const client = createClient({
    broker: emqx({
      host: '127.0.0.1',
      ports: { ws: demo.broker.wsPort },
      protocolVersion: 4,
      credentials: jwtAuth({
        fetchToken: async () => {
          fetched++
          const answer = await call(backend, '/api/mqtt-credentials', { cookie })
          if (answer.status !== 200) throw new Error(`credentials: HTTP ${answer.status}`)
          return answer.json as { clientId: string; username: string; password: string }
        },
      }),
    }),
    transport: websocket({ WebSocket }),
    reconnect: { baseMs: 50, capMs: 200 },
  })
  return { client, fetched: () => fetched }
}

/** The claims of a JWT, unverified (tests look at what was issued). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
}
