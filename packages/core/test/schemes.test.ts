import { describe, expect, it } from 'vitest'
import {
  createClient,
  createSocketStream,
  genericBroker,
  type TidingsError,
  type Transport,
  type TransportScheme,
} from '../src/index.js'

// A transport that records which scheme and endpoint the client chose, then fails the connection.
function recorder(schemes: TransportScheme[]): { transport: Transport; opened: Array<[TransportScheme, string]> } {
  const opened: Array<[TransportScheme, string]> = []
  return {
    opened,
    transport: {
      name: 'recorder',
      scheme: schemes[0]!,
      schemes,
      open(endpoint, { scheme }) {
        opened.push([scheme, `${endpoint.host}:${endpoint.port}${endpoint.path ?? ''}`])
        return createSocketStream((events) => {
          setTimeout(
            () => events.error(Object.assign(new Error('no server in this test'), { code: 'ECONNREFUSED' })),
            1,
          )
          return { send: () => {}, close: () => {} }
        })
      },
    },
  }
}

describe('choosing the scheme', () => {
  it('uses the first scheme the profile serves: wss for a wss:// profile', async () => {
    const { transport, opened } = recorder(['ws', 'wss'])
    const client = createClient({ broker: genericBroker({ url: 'wss://mq.example.com/mqtt' }), transport })
    const error = (await client.connect().catch((e: unknown) => e)) as TidingsError
    expect(error.code).toBe('CONNECTION_REFUSED')
    expect(opened).toEqual([['wss', 'mq.example.com:443/mqtt']])
    await client.close()
  })

  it('keeps the preferred scheme when the profile serves it', async () => {
    const { transport, opened } = recorder(['ws', 'wss'])
    const client = createClient({ broker: genericBroker({ url: 'ws://127.0.0.1:8083' }), transport })
    await client.connect().catch(() => {})
    expect(opened).toEqual([['ws', '127.0.0.1:8083/mqtt']])
    await client.close()
  })

  it('reports UNSUPPORTED when the profile serves none of them, without opening anything', async () => {
    const { transport, opened } = recorder(['mqtt'])
    const client = createClient({ broker: genericBroker({ url: 'wss://mq.example.com/mqtt' }), transport })
    const error = (await client.connect().catch((e: unknown) => e)) as TidingsError
    expect(error.code).toBe('UNSUPPORTED')
    expect(opened).toEqual([])
    await client.close()
  })
})
