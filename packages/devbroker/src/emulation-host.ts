import type { Aedes, Client } from 'aedes'
import type { EmulationHost } from './emulation.js'

/** The handle an emulation gets on the broker: publish as the broker, list and kick clients, watch them come and go. */
export function emulationHost(aedes: Aedes, clients: Map<string, Client>): EmulationHost {
  return {
    publish: (packet) =>
      new Promise((resolve, reject) => {
        aedes.publish(
          {
            cmd: 'publish',
            topic: packet.topic,
            payload: packet.payload,
            qos: packet.qos ?? 0,
            retain: packet.retain ?? false,
            dup: false,
          },
          (error?: Error | null) => (error ? reject(error) : resolve()),
        )
      }),
    clients: () => clients,
    kick(clientId) {
      const client = clients.get(clientId)
      if (!client) return false
      client.conn.destroy()
      return true
    },
    onClientReady(listener) {
      aedes.on('clientReady', listener)
      return () => aedes.off('clientReady', listener)
    },
    onClientGone(listener) {
      aedes.on('clientDisconnect', listener)
      return () => aedes.off('clientDisconnect', listener)
    },
  }
}
