import { createClient, text, topic, type ClientOptions, type TidingsClient, type TidingsError } from '@tidings/core'
import { startDevBroker, type DevBroker } from '@tidings/devbroker'
import { tcp } from '@tidings/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { waitUntil } from '../../src/suite.case.js'

// A message that no subscription matches, from a real broker: the devbroker (aedes) delivers what a
// persistent session queued to the next client that resumes it, subscribed or not.
let devbroker: DevBroker
const clients: TidingsClient[] = []
beforeAll(async () => {
  devbroker = await startDevBroker()
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ force: true })))
})
afterAll(async () => {
  await devbroker?.close()
})

function make(options: Partial<ClientOptions> & { clientId?: string } = {}) {
  const { clientId, ...rest } = options
  const client = createClient({
    broker: devbroker.profile(clientId ? { clientId } : {}),
    transport: tcp(),
    reconnect: false,
    ...rest,
  })
  clients.push(client)
  const errors: TidingsError[] = []
  client.on('error', (error) => errors.push(error))
  return { client, errors }
}

describe('unmatched messages on the devbroker', () => {
  it('a message queued for a resumed session that no subscription matches is UNMATCHED_MESSAGE', async () => {
    const clientId = `unmatched-${Math.random().toString(36).slice(2, 8)}`
    const inbox = topic('inbox/{user}', text(), { qos: 1 })
    const first = make({ clientId, session: { persistent: true } })
    await first.client.connect()
    await first.client.subscribe(inbox, { user: 'ann' }, () => {})
    await first.client.close()

    const publisher = make()
    await publisher.client.connect()
    await publisher.client.publish(inbox, { user: 'ann' }, 'while away')

    // The same session, resumed by an app that has not subscribed (yet): the broker delivers at once.
    const second = make({ clientId, session: { persistent: true } })
    await second.client.connect()
    await waitUntil(
      () => second.errors.length > 0,
      5000,
      () => 'no error event',
    )
    expect(second.errors.map((e) => [e.code, e.topic])).toEqual([['UNMATCHED_MESSAGE', '"inbox/ann"']])
    expect(second.errors[0]!.message).not.toContain('while away')
  })
})
