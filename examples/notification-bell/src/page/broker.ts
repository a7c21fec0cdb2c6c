import { TidingsError, type BrokerProfile } from '@tidings/core'
import { emqx, jwtAuth } from '@tidings/emqx'
import { mosquitto } from '@tidings/mosquitto'
import type { PageConfig } from '../page-files.js'

/** What `/api/mqtt-credentials` answers: short-lived credentials for the logged-in user only. */
interface Credentials {
  clientId: string
  username?: string
  password: string
  expiresAt: string
}

/**
 * Asks the backend for broker credentials. The session cookie goes along on its own (same origin); the
 * page never names a user, so it cannot ask for anyone else's access.
 */
async function fetchCredentials(): Promise<Credentials> {
  const response = await fetch('/api/mqtt-credentials', { cache: 'no-store' })
  if (response.status === 401)
    throw new TidingsError('NOT_AUTHORIZED', 'the session has ended: log in again to get broker credentials')
  if (!response.ok) throw new Error(`the backend did not issue broker credentials (HTTP ${response.status})`)
  return (await response.json()) as Credentials
}

/**
 * The broker profile for the page's config. Both kinds call the backend before **every** (re)connect, so
 * a reconnect after the credentials expired (or after a broker restart) uses fresh ones.
 */
export function pageBroker(config: PageConfig): BrokerProfile {
  const url = new URL(config.brokerUrl)
  const tls = url.protocol === 'wss:'
  const endpoint = {
    host: url.hostname,
    tls,
    ports: { [tls ? 'wss' : 'ws']: Number(url.port || (tls ? 443 : 80)) },
    wsPath: url.pathname,
  }
  if (config.broker === 'emqx')
    return emqx({
      ...endpoint,
      protocolVersion: config.mqtt5 ? 5 : 4,
      credentials: jwtAuth({ fetchToken: fetchCredentials }),
    })
  return mosquitto({ ...endpoint, credentials: fetchCredentials })
}
