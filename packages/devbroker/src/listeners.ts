import type { Server as HttpServer } from 'node:http'
import type { Server as NetServer } from 'node:net'
import type { Duplex } from 'node:stream'

/** The `Sec-WebSocket-Protocol` header as a set of offered subprotocols. */
export function parseProtocols(header: string | undefined): Set<string> {
  return new Set(
    (header ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  )
}

/** Answers a refused upgrade with a plain HTTP status, as a broker behind its path does. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Forbidden'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  )
}

/** Starts listening; rejects if the port is taken. */
export function listen(server: NetServer | HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** Stops listening and resolves once open connections are gone. */
export function closeServer(server: NetServer | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}
