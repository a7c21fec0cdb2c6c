import { randomBytes } from 'node:crypto'
import type { AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes'
import type { AuthResult, BrokerEmulation, EmulationHost } from '../../emulation.js'
import { allowed, subscriptionsOf, TOKEN_TYPES, type AuthMode, type ClientAuth, type TokenType } from './client-auth.js'
import { createAliyunRegistry, type AliyunRegistry, type TokenRecord } from './registry.js'
import { safeJson, sameText, sign } from './signing.js'
import { clientIdProblem, covers, groupOf, matches, p2pTarget, resourceProblem, topicProblem } from './rules.js'

/** Options of {@link aliyunEmulation}. */
export interface AliyunEmulationOptions {
  /** The instance id user names must name. */
  instanceId: string
  /** Account AccessKeys (id → secret) accepted by Signature mode and owning tokens. */
  accessKeys: Record<string, string>
  /** Group ids that exist. @default any well-formed group id */
  groups?: string[]
  /** Parent topics that exist (case-insensitive). @default any well-formed parent topic */
  parentTopics?: string[]
  /** Token and device-credential state, shared with a fake OpenAPI. @default a new registry */
  registry?: AliyunRegistry
  /** How long before expiry `$SYS/tokenExpireNotice` is sent (once per token). @default 300000 */
  expireNoticeBeforeMs?: number
  /** How often token expiry is checked. @default 250 */
  sweepIntervalMs?: number
}

/** The devbroker pretending to be Aliyun MQTT, plus the controls a fake cloud needs. */
export interface AliyunEmulation extends BrokerEmulation {
  readonly instanceId: string
  readonly registry: AliyunRegistry
  /** SendMessage: publishes from the "cloud", delivering P2P topics to their target. */
  sendMessage(topic: string, payload: string | Buffer): Promise<{ msgId: string }>
  isOnline(clientId: string): boolean
  /**
   * Why ApplyToken would refuse one resource on this instance (an unknown parent topic, a malformed
   * filter, a `$` topic), or undefined when Aliyun accepts it.
   */
  resourceProblem(resource: string): string | undefined
  /** Sends `$SYS/tokenExpireNotice` for the client's first token now. False when the client is not a token client. */
  noticeTokenExpiry(clientId: string): boolean
  /** Tokens a connected Token-mode client holds now (after any `$SYS/uploadToken`), by type. */
  clientTokens(clientId: string): Partial<Record<TokenType, string>> | undefined
  /** Mode the client signed in with. */
  clientMode(clientId: string): AuthMode | undefined
}

const MAX_SUBSCRIPTIONS = 30
const MAX_PAYLOAD = 64 * 1024

/**
 * An Aliyun MQTT emulation for the devbroker: Signature, Token and DeviceCredential sign-in checked as
 * documented, client id and topic rules, token permissions, P2P delivery without subscribing, retained flags
 * dropped, wills ignored, `$SYS/uploadToken` accepted, `$SYS/tokenExpireNotice` / `$SYS/tokenInvalidNotice`
 * sent. Permission failures close the connection, as Aliyun does.
 *
 * @example
 * ```ts
 * const emulation = aliyunEmulation({ instanceId: 'mqtt-cn-test', accessKeys: { LTAIdev: 'secret' } })
 * const broker = await startDevBroker({ emulate: emulation })
 * ```
 */
export function aliyunEmulation(options: AliyunEmulationOptions): AliyunEmulation {
  const { instanceId, accessKeys } = options
  const registry = options.registry ?? createAliyunRegistry()
  const groups = options.groups ? new Set(options.groups) : undefined
  const parents = options.parentTopics ? new Set(options.parentTopics.map((p) => p.toLowerCase())) : undefined
  const noticeBefore = options.expireNoticeBeforeMs ?? 300_000
  const auth = new WeakMap<Client, ClientAuth>()
  let host: EmulationHost | undefined

  const sendTo = (client: Client, topic: string, payload: string | Buffer, qos: 0 | 1 = 0): Promise<void> =>
    new Promise((resolve) => {
      client.publish(
        { cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false } as PublishPacket,
        () => resolve(),
      )
    })

  /** Tells a client its token is invalid, then disconnects it, as Aliyun does. */
  const invalidate = (client: Client, type: TokenType, code: number): void => {
    void sendTo(client, '$SYS/tokenInvalidNotice', JSON.stringify({ code, type })).then(() => {
      // A moment for the notice to leave the socket before it is torn down.
      setTimeout(() => client.conn.destroy(), 50)
    })
    auth.get(client)?.tokens.delete(type)
  }

  /** 0 when usable, else the tokenInvalidNotice code: 1 unknown, 2 expired, 3 revoked, 4 other instance, 5 wrong type. */
  const tokenProblem = (record: TokenRecord | undefined, type: TokenType): number => {
    if (!record) return 1
    if (record.revoked) return 3
    if (record.expireTime <= Date.now()) return 2
    if (record.instanceId !== instanceId) return 4
    if (record.actions !== TOKEN_TYPES[type]) return 5
    return 0
  }

  const deliverP2P = async (topic: string, payload: Buffer, qos: 0 | 1): Promise<void> => {
    const target = p2pTarget(topic)
    const client = target ? host?.clients().get(target) : undefined
    if (!client) return
    // A target that subscribed to its own P2P topic gets it through normal routing; the others directly.
    const subscribed = subscriptionsOf(client).some((filter) => matches(filter, topic))
    if (!subscribed) await sendTo(client, topic, payload, qos)
  }

  const emulation: AliyunEmulation = {
    name: 'aliyun',
    instanceId,
    registry,

    authenticate(client, username, password): AuthResult {
      const idProblem = clientIdProblem(client.id ?? '')
      if (idProblem) return { ok: false, returnCode: 2, reason: idProblem }
      if (groups && !groups.has(groupOf(client.id)))
        return { ok: false, returnCode: 5, reason: `group ${groupOf(client.id)} does not exist` }
      const parts = (username ?? '').split('|')
      if (parts.length !== 3) return { ok: false, returnCode: 4, reason: 'user name must be <Mode>|<Id>|<InstanceId>' }
      const [mode, id, instance] = parts as [string, string, string]
      if (instance !== instanceId) return { ok: false, returnCode: 4, reason: `unknown instance ${instance}` }
      const pass = password?.toString('utf8') ?? ''
      let state: ClientAuth | undefined
      if (mode === 'Signature') {
        const secret = accessKeys[id]
        if (secret === undefined || !sameText(pass, sign(secret, client.id)))
          return { ok: false, returnCode: 4, reason: 'bad signature' }
        state = { mode, tokens: new Map(), noticed: new Set() }
      } else if (mode === 'DeviceCredential') {
        const credential = registry.deviceCredentialByKeyId(id)
        if (
          !credential ||
          credential.clientId !== client.id ||
          credential.instanceId !== instanceId ||
          !sameText(pass, sign(credential.deviceAccessKeySecret, client.id))
        ) {
          return { ok: false, returnCode: 4, reason: 'bad device credential' }
        }
        state = { mode, tokens: new Map(), noticed: new Set() }
      } else if (mode === 'Token') {
        if (accessKeys[id] === undefined) return { ok: false, returnCode: 4, reason: 'unknown AccessKeyId' }
        const pairs = pass.split('|')
        if (pairs.length < 2 || pairs.length % 2 !== 0)
          return { ok: false, returnCode: 4, reason: 'token password must be <type>|<token> pairs' }
        const tokens = new Map<TokenType, TokenRecord>()
        for (let i = 0; i < pairs.length; i += 2) {
          const type = pairs[i] as TokenType
          const record = registry.token(pairs[i + 1]!)
          if (!(type in TOKEN_TYPES) || tokens.has(type))
            return { ok: false, returnCode: 4, reason: `bad token type ${type}` }
          // Every token must be valid, or the whole sign-in fails.
          const problem = tokenProblem(record, type)
          if (problem !== 0 || record!.accessKeyId !== id)
            return { ok: false, returnCode: 5, reason: `token ${type} refused (code ${problem})` }
          tokens.set(type, record!)
        }
        state = { mode, tokens, noticed: new Set() }
      } else {
        return { ok: false, returnCode: 4, reason: `unknown auth mode ${mode}` }
      }
      auth.set(client, state)
      // Aliyun has no will messages: drop the one the CONNECT carried (aedes keeps it as _will until now).
      ;(client as unknown as { _will?: unknown })._will = undefined
      return { ok: true }
    },

    authorizePublish(client, packet) {
      if (!client) return // the broker's own publishes (notices, SendMessage)
      const state = auth.get(client)
      if (packet.topic === '$SYS/uploadToken') {
        const body = safeJson(packet.payload) as { token?: unknown; type?: unknown } | undefined
        const type = body?.type as TokenType
        const record = typeof body?.token === 'string' ? registry.token(body.token) : undefined
        if (state?.mode !== 'Token' || !(type in TOKEN_TYPES) || tokenProblem(record, type) !== 0) {
          throw new Error('uploadToken refused')
        }
        state.tokens.set(type, record!)
        return
      }
      const problem = packet.topic.startsWith('$') ? 'no $ topics' : topicProblem(packet.topic, parents)
      if (problem) throw new Error(problem)
      if (packet.payload.length > MAX_PAYLOAD) throw new Error('payload larger than 64 KB')
      if (state?.mode === 'Token' && !allowed(state, ['W', 'RW'], (resource) => matches(resource, packet.topic))) {
        throw new Error(`no W token for ${packet.topic}`)
      }
      // No retained messages on Aliyun: the flag is dropped, the message still goes out.
      packet.retain = false
      if (p2pTarget(packet.topic)) void deliverP2P(packet.topic, packet.payload as Buffer, packet.qos === 0 ? 0 : 1)
    },

    authorizeSubscribe(client, subscription: Subscription) {
      const filter = subscription.topic
      const target = p2pTarget(filter)
      // Permission failures close the connection on Aliyun (no SUBACK failure code).
      const problem = filter.startsWith('$')
        ? 'no $ topics'
        : (topicProblem(filter, parents) ?? (target && target !== client.id ? "another client's P2P topic" : undefined))
      if (problem) throw new Error(problem)
      const state = auth.get(client)
      if (state?.mode === 'Token' && !target && !allowed(state, ['R', 'RW'], (resource) => covers(resource, filter))) {
        throw new Error(`no R token for ${filter}`)
      }
      const current = subscriptionsOf(client)
      if (!current.includes(filter) && current.length >= MAX_SUBSCRIPTIONS) return null
      // Aliyun does not support QoS 2 on a persistent session and treats such a client as clean (名词解释):
      // its session, subscriptions and offline messages end with the connection.
      if (subscription.qos === 2 && client.clean === false) client.clean = true
      return subscription
    },

    authorizeForward(client, packet): AedesPublishPacket | null {
      const target = p2pTarget(packet.topic)
      if (target && client.id !== target) return null
      return packet
    },

    setup(broker) {
      host = broker
      const stopRevoke = registry.onRevoke((record) => {
        for (const client of broker.clients().values()) {
          const state = auth.get(client)
          for (const [type, held] of state?.tokens ?? []) if (held === record) invalidate(client, type, 3)
        }
      })
      const sweep = setInterval(() => {
        const now = Date.now()
        for (const client of broker.clients().values()) {
          const state = auth.get(client)
          if (state?.mode !== 'Token') continue
          for (const [type, record] of state.tokens) {
            if (record.expireTime <= now) invalidate(client, type, 2)
            else if (record.expireTime - now <= noticeBefore && !state.noticed.has(record.token)) {
              state.noticed.add(record.token)
              void sendTo(client, '$SYS/tokenExpireNotice', JSON.stringify({ expireTime: record.expireTime, type }))
            }
          }
        }
      }, options.sweepIntervalMs ?? 250)
      sweep.unref?.()
      return () => {
        stopRevoke()
        clearInterval(sweep)
        host = undefined
      }
    },

    async sendMessage(topic, payload) {
      const problem = topicProblem(topic, parents)
      if (problem || topic.includes('+') || topic.includes('#'))
        throw new Error(problem ?? 'SendMessage needs a topic name, not a filter')
      if (!host) throw new Error('the emulated broker is not running')
      const body = Buffer.from(payload)
      await host.publish({ topic, payload: body, qos: 1 })
      if (p2pTarget(topic)) await deliverP2P(topic, body, 1)
      return { msgId: randomBytes(16).toString('hex').toUpperCase() }
    },

    isOnline: (clientId) => host?.clients().has(clientId) ?? false,

    resourceProblem: (resource) => resourceProblem(resource, parents),

    noticeTokenExpiry(clientId) {
      const client = host?.clients().get(clientId)
      const state = client ? auth.get(client) : undefined
      const first = state?.tokens.entries().next().value
      if (!client || !first) return false
      const [type, record] = first
      void sendTo(client, '$SYS/tokenExpireNotice', JSON.stringify({ expireTime: record.expireTime, type }))
      return true
    },

    clientTokens(clientId) {
      const client = host?.clients().get(clientId)
      const state = client ? auth.get(client) : undefined
      if (state?.mode !== 'Token') return undefined
      return Object.fromEntries([...state.tokens].map(([type, record]) => [type, record.token]))
    },

    clientMode(clientId) {
      const client = host?.clients().get(clientId)
      return client ? auth.get(client)?.mode : undefined
    },
  }
  return emulation
}
