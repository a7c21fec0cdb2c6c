import { createServer, type Server, type Socket } from 'node:net'
import { inspect } from 'node:util'
import { fromMqttError, isTidingsError } from '@tidings/core'
import { afterEach, describe, expect, test } from 'vitest'
import { connectMqtt, createDynsec } from '../src/server/index.js'
import { dynsecError } from '../src/server/errors.js'

const SECRET = 's3cret-Pa55'

/** Everything a log line could show of an error: message, stack, fields and causes, as `inspect` prints them. */
const shown = (error: unknown): string => `${String(error)}\n${inspect(error, { depth: 6 })}\n${JSON.stringify(error)}`

const servers: Server[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

/** A TCP server on loopback that accepts and then stays silent, or hangs up at once. */
async function listen(behaviour: 'silent' | 'hang-up'): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket)
    if (behaviour === 'hang-up') socket.destroy()
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const port = await listen('silent')
  await new Promise((r) => (servers.pop() as Server).close(r))
  return port
}

describe('credentials in a broker URL never reach an error', () => {
  test('without redaction the URL would carry the password into the error (the lower layer)', async () => {
    const url = `mqtt://backend:${SECRET}@127.0.0.1:1`
    const raw = fromMqttError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), {
      adapter: 'mosquitto',
      transport: url,
    })
    expect(shown(raw)).toContain(SECRET)
  })

  test('connectMqtt: refused, timed out, hung up and bad scheme', async () => {
    const refused = await connectMqtt({
      url: `mqtt://backend:${SECRET}@127.0.0.1:${await closedPort()}`,
      connectTimeoutMs: 3000,
    }).catch((e: unknown) => e)
    const timedOut = await connectMqtt({
      url: `mqtt://backend:${SECRET}@127.0.0.1:${await listen('silent')}`,
      connectTimeoutMs: 300,
    }).catch((e: unknown) => e)
    const hungUp = await connectMqtt({
      url: `mqtt://backend:${SECRET}@127.0.0.1:${await listen('hang-up')}`,
      connectTimeoutMs: 3000,
    }).catch((e: unknown) => e)
    const badScheme = await connectMqtt({ url: `http://backend:${SECRET}@127.0.0.1:1` }).catch((e: unknown) => e)

    const outcomes = [refused, timedOut, hungUp, badScheme]
    expect(outcomes.map((e) => isTidingsError(e) && e.code)).toEqual([
      'CONNECTION_REFUSED',
      'CONNECT_TIMEOUT',
      expect.stringMatching(/^(CONNECTION_REFUSED|CONNECTION_LOST|TRANSPORT_ERROR)$/),
      'INVALID_OPTIONS',
    ])
    for (const error of outcomes) {
      expect(shown(error)).not.toContain(SECRET)
      expect(shown(error)).toContain('127.0.0.1')
    }
    expect(String((timedOut as Error).message)).toContain('mqtt://***@127.0.0.1')
  })

  test('createDynsec: the admin URL and password stay out of the error', async () => {
    const error = await createDynsec({
      url: `mqtt://admin:${SECRET}@127.0.0.1:${await closedPort()}`,
      username: 'admin',
      password: SECRET,
      connectTimeoutMs: 3000,
    }).catch((e: unknown) => e)
    expect(isTidingsError(error) && error.code).toBe('CONNECTION_REFUSED')
    expect(shown(error)).not.toContain(SECRET)
  })

  test('a plugin message quoting a URL or an Authorization header is redacted', () => {
    const error = dynsecError(
      'createClient',
      `bridge mqtt://u:${SECRET}@10.0.0.1 failed; Authorization: Basic ${SECRET}`,
    )
    expect(shown(error)).not.toContain(SECRET)
    expect(error.message).toContain('mqtt://***@10.0.0.1')
  })
})
