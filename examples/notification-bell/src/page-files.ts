import { readFile } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { join } from 'node:path'

/** The broker the page connects to, as the page reads it from `/config.json`. */
export interface PageConfig {
  /**
   * Which broker profile the page uses: `'emqx'` (a JWT from the backend, fetched by `jwtAuth()`) or
   * `'mosquitto'` (dynamic-security credentials from the backend).
   */
  broker: 'emqx' | 'mosquitto'
  /** `ws://127.0.0.1:8083/mqtt`, or `wss://…/mqtt` behind TLS. */
  brokerUrl: string
  /** Whether the broker speaks MQTT 5 (the devbroker does not). */
  mqtt5: boolean
}

// The page is a fixed set of files: nothing else on disk is ever served.
const FILES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/styles.css': 'styles.css',
  '/app.js': 'app.js',
  '/app.js.map': 'app.js.map',
  '/favicon.svg': 'favicon.svg',
}
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  map: 'application/json',
  svg: 'image/svg+xml',
}

/** Whether `path` is one of the page's files. */
export const isPageFile = (path: string): boolean => Object.hasOwn(FILES, path)

/** Serves one of the built page's files (see `buildPage`), with extra headers such as a login cookie. */
export async function sendPageFile(
  response: ServerResponse,
  dir: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<void> {
  const file = FILES[path]!
  try {
    const body = await readFile(join(dir, file))
    response
      .writeHead(200, {
        'content-type': TYPES[file.split('.').pop()!] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
        ...headers,
      })
      .end(body)
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not built yet: run `pnpm build:page`\n')
  }
}
