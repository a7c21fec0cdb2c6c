import { assertIdentifier } from '@tidings/core'
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** Name of the session cookie. */
export const SESSION_COOKIE = 'bell_session'

/** Options of {@link createSessions}. */
export interface SessionOptions {
  /** Add `Secure` to the cookie: set it whenever the page is served over https. @default false */
  secure?: boolean
}

/**
 * Logged-in users, by session token. The token travels in an HttpOnly, SameSite=Strict cookie, so page
 * scripts cannot read it and other sites cannot make the browser send it. This stands in for your app's
 * real login: what matters is that the user id comes from the server side, never from the request.
 */
export interface Sessions {
  /** Logs `userId` in and returns the cookie value (`bell_session=…`) that carries the session. */
  login(userId: string): string
  /** The `Set-Cookie` header for a cookie value returned by {@link login}. */
  setCookie(cookie: string): string
  /** The user of the request's session, or undefined without a valid one. */
  userOf(request: IncomingMessage): string | undefined
}

export function createSessions(options: SessionOptions = {}): Sessions {
  const users = new Map<string, string>()
  const attributes = `Path=/; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`
  return {
    login(userId) {
      assertIdentifier('user id', userId, 64)
      // 256 random bits: a session id must not be guessable.
      const token = randomBytes(32).toString('base64url')
      users.set(token, userId)
      return `${SESSION_COOKIE}=${token}`
    },
    setCookie: (cookie) => `${cookie}; ${attributes}`,
    userOf(request) {
      const token = readCookie(request.headers.cookie, SESSION_COOKIE)
      return token === undefined ? undefined : users.get(token)
    },
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}
