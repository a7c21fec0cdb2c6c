import { isTidingsError, type IssuedCredentials, type TidingsClient } from '@tidings/core'
import {
  mosquittoCredentialIssuer,
  mosquittoServerPublisher,
  type MosquittoCredentialIssuer,
} from '@tidings/mosquitto/server'
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
// The example is not a package dependency of the conformance suite; its backend is started from source.
import {
  backendGrants,
  notifications,
  startBellBackend,
  unread,
  type BellBackend,
  type Notification,
} from '../../../../examples/notification-bell/src/index.js'
import { connectBackend, eventually, startDynsecBroker, userClient, type DynsecBroker } from './helpers.js'

let env: DynsecBroker
let issuer: MosquittoCredentialIssuer
let backendConnection: MqttClient
let bell: BellBackend

// What the bell's page gets from its backend: credentials for the logged-in user, issued through dynsec
// with read access to that user's bell topics only.
const bellCredentials = async (userId: string): Promise<IssuedCredentials> => {
  const response = await fetch(`${bell.url}/api/mqtt-credentials`, { headers: { cookie: bell.login(userId) } })
  expect(response.status).toBe(200)
  const body = (await response.json()) as Omit<IssuedCredentials, 'expiresAt'> & { expiresAt: string }
  return { ...body, expiresAt: new Date(body.expiresAt) }
}

beforeAll(async () => {
  env = await startDynsecBroker()
  issuer = mosquittoCredentialIssuer(env.dynsec, { sweepIntervalMs: false })
  backendConnection = await connectBackend(env, backendGrants().publish)
  bell = await startBellBackend({ publisher: mosquittoServerPublisher(backendConnection), issuer })
})
afterAll(async () => {
  await bell?.close()
  issuer?.close()
  await backendConnection?.endAsync()
  await env?.close()
})

describe('notification bell on Mosquitto with dynsec credentials issued by its backend', () => {
  test('a like reaches only its user: the notification, then the retained unread count', async () => {
    const ann = userClient(env.broker, await bellCredentials('ann'))
    const ben = userClient(env.broker, await bellCredentials('ben'))
    const clients: TidingsClient[] = [ann, ben]
    try {
      await Promise.all(clients.map((c) => c.connect()))
      const annSaw: Notification[] = []
      const counts: number[] = []
      await ann.subscribe(notifications, { userId: 'ann' }, (n) => {
        annSaw.push(n)
      })
      await ann.subscribe(unread, { userId: 'ann' }, (u) => {
        counts.push(u.count)
      })
      const benSaw: Notification[] = []
      await ben.subscribe(notifications, { userId: 'ben' }, (n) => {
        benSaw.push(n)
      })
      const snoop = await ben.subscribe(notifications, { userId: 'ann' }, () => {}).catch((e: unknown) => e)
      expect(isTidingsError(snoop) && snoop.code).toBe('SUBSCRIBE_DENIED')

      const response = await fetch(`${bell.url}/api/users/ann/like`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: bell.login('cleo') },
        body: JSON.stringify({ from: 'Cleo', article: 'Push without polling' }),
      })
      expect(response.status).toBe(201)
      await eventually(() => annSaw.length === 1 && counts.at(-1) === 1, 5000, 'ann to see the like and the count')
      expect(annSaw[0]).toMatchObject({ kind: 'like', actor: 'Cleo', article: 'Push without polling' })
      expect(benSaw).toEqual([])

      // A tab opened later gets the count at once: it is retained.
      const annTab = userClient(env.broker, await bellCredentials('ann'))
      clients.push(annTab)
      await annTab.connect()
      expect(await annTab.waitFor(unread, { userId: 'ann' }, { timeoutMs: 5000 })).toEqual({ count: 1 })
    } finally {
      await Promise.all(clients.map((c) => c.close({ force: true })))
    }
  })
})
