import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { closeServer, listen, sendJson } from './http.js'

/** What the page reads from `/config.json` before it connects. */
export interface PageConfig {
  /** `ws://127.0.0.1:8083/mqtt`, or `wss://…/mqtt` behind TLS. */
  brokerUrl: string
  /** Whether the broker speaks MQTT 5 (the devbroker does not). */
  mqtt5: boolean
  /** Base URL of the bell backend's HTTP API. */
  apiUrl: string
  /** Whose bell this is. A real app takes it from the login session. */
  userId: string
}

/** A running page server. */
export interface PageServer {
  readonly url: string
  readonly port: number
  close(): Promise<void>
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

/** Serves the built page (see `buildPage`) and its `/config.json`. */
export async function startPageServer(options: {
  dir: string
  config: PageConfig
  port?: number
  host?: string
}): Promise<PageServer> {
  const host = options.host ?? '127.0.0.1'
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!
    if (path === '/config.json') return sendJson(response, 200, options.config)
    const file = FILES[path]
    if (!file || request.method !== 'GET')
      return void response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
    readFile(join(options.dir, file)).then(
      (body) =>
        response
          .writeHead(200, {
            'content-type': TYPES[file.split('.').pop()!] ?? 'application/octet-stream',
            'cache-control': 'no-cache',
          })
          .end(body),
      () => response.writeHead(404, { 'content-type': 'text/plain' }).end('not built yet: run `pnpm build:page`\n'),
    )
  })
  const port = await listen(server, options.port ?? 0, host)
  return { url: `http://${host}:${port}/`, port, close: () => closeServer(server) }
}
