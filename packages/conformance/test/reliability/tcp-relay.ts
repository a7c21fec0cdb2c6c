import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net'

/**
 * A loopback TCP relay in front of a real broker, with the faults the reliability tests need: reset every
 * connection (ECONNRESET at the client) or black-hole them (a half-open outage: the sockets stay open and
 * nothing gets through either way). Small on purpose; the shared fault proxy fixture replaces it later.
 */
export interface TcpRelay {
  readonly port: number
  /** Live client-side connections. */
  readonly connections: number
  /** Resets every connection (RST), as a crashed NAT or a killed peer does. */
  resetAll(): void
  /** From now on, every byte in either direction is dropped; sockets stay open. */
  blackHole(on: boolean): void
  /** Sends these bytes to every client, as if the broker wrote them. */
  inject(bytes: Uint8Array): void
  close(): Promise<void>
}

export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>()
  let holed = false
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: target.host, port: target.port })
    const pair = { client, upstream }
    pairs.add(pair)
    client.on('data', (chunk) => {
      if (!holed) upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (!holed) client.write(chunk)
    })
    const end = (): void => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end)
    upstream.on('close', end)
    client.on('error', () => {})
    upstream.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return pairs.size
    },
    resetAll() {
      for (const { client, upstream } of [...pairs]) {
        client.resetAndDestroy()
        upstream.destroy()
      }
    },
    blackHole(on) {
      holed = on
    },
    inject(bytes) {
      for (const { client } of pairs) client.write(bytes)
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, upstream } of [...pairs]) {
          client.destroy()
          upstream.destroy()
        }
        server.close(() => resolve())
      }),
  }
}
