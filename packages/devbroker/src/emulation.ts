import type { AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes'
import type { IncomingMessage } from 'node:http'

/** The result of authenticating a CONNECT. */
export type AuthResult =
  | { ok: true }
  /** `returnCode` is the MQTT 3.1.1 CONNACK code: 2 client id rejected, 4 bad user name or password, 5 not authorized. */
  | { ok: false; returnCode: 2 | 4 | 5; reason?: string }

/**
 * How the devbroker pretends to be a particular broker (EMQX JWT + ACL, Aliyun signature/token auth…).
 * Every hook is optional; a hook that throws denies the action. Hooks receive aedes's own client and
 * packet objects.
 */
export interface BrokerEmulation {
  readonly name: string
  /** Checks a CONNECT's credentials. */
  authenticate?(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): AuthResult | Promise<AuthResult>
  /** Throws to refuse a publish (aedes then closes the connection, as MQTT 3.1.1 has no PUBACK error). */
  authorizePublish?(client: Client | null, packet: PublishPacket): void | Promise<void>
  /** Returns the subscription (possibly changed), or `null` to refuse it with SUBACK 0x80. */
  authorizeSubscribe?(client: Client, subscription: Subscription): Subscription | null | Promise<Subscription | null>
  /** Returns the packet to deliver, or `null` to withhold it from this client. */
  authorizeForward?(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null
  /**
   * Decides the WebSocket upgrade: return the subprotocol to accept, `false` to accept without one, or
   * `{ status }` to refuse the upgrade with that HTTP status.
   */
  negotiateWebSocket?(offered: Set<string>, request: IncomingMessage): string | false | { status: number }
  /** Called once the broker listens; may return a cleanup run on close. */
  setup?(broker: EmulationHost): void | (() => void)
}

/** What an emulation may do with the running broker. */
export interface EmulationHost {
  /** Publishes from the broker itself (e.g. `$SYS/…` notices, P2P delivery). */
  publish(packet: { topic: string; payload: string | Buffer; qos?: 0 | 1; retain?: boolean }): Promise<void>
  /** Connected clients by client id. */
  clients(): Map<string, Client>
  /** Disconnects one client. */
  kick(clientId: string): boolean
  /** Runs for every CONNECT that succeeded. */
  onClientReady(listener: (client: Client) => void): () => void
  onClientGone(listener: (client: Client) => void): () => void
}
