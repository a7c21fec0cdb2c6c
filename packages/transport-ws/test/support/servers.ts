import { createServer as createHttpServer, type Server } from 'node:http'
import { connect as netConnect, type AddressInfo, type Server as NetServer } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { WebSocketServer } from 'ws'

/** A listening server and how to stop it. */
export interface TestServer {
  port: number
  close(): Promise<void>
}

async function listen(server: Server | NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

function closer(server: Server | NetServer, extra: () => void = () => {}): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      extra()
      server.close(() => resolve())
    })
}

/** A WebSocket server that completes the upgrade but picks no subprotocol (not an MQTT broker). */
export async function noSubprotocolServer(): Promise<TestServer> {
  const http = createHttpServer()
  const wss = new WebSocketServer({ server: http, handleProtocols: () => false })
  const port = await listen(http)
  return { port, close: closer(http, () => wss.clients.forEach((c) => c.terminate())) }
}

/** A server that refuses every upgrade with an HTTP status, like EMQX when no offered subprotocol suits it. */
export async function refusingServer(status: number, body: string): Promise<TestServer> {
  const http = createHttpServer()
  http.on('upgrade', (_req, socket) => {
    socket.end(
      `HTTP/1.1 ${status} Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  })
  const port = await listen(http)
  return { port, close: closer(http) }
}

/** Terminates TLS and passes the bytes on to a plain listener: a minimal stand-in for nginx. */
export async function tlsTerminator(options: { cert: string; key: string; targetPort: number }): Promise<TestServer> {
  const sockets = new Set<import('node:net').Socket>()
  const server = createTlsServer({ cert: options.cert, key: options.key }, (client) => {
    const upstream = netConnect(options.targetPort, '127.0.0.1')
    sockets.add(client).add(upstream)
    client.pipe(upstream).pipe(client)
    const end = (): void => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  // Clients that reject the certificate reset the handshake; that is the point of the test, not a failure.
  server.on('tlsClientError', () => {})
  const port = await listen(server)
  return { port, close: closer(server, () => sockets.forEach((s) => s.destroy())) }
}
