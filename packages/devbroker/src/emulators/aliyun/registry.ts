import { randomBytes } from 'node:crypto'

/** Token actions as ApplyToken takes them. */
export type TokenActions = 'R' | 'W' | 'R,W'

/** A token the emulated cloud issued. */
export interface TokenRecord {
  readonly token: string
  readonly instanceId: string
  readonly accessKeyId: string
  readonly resources: readonly string[]
  readonly actions: TokenActions
  /** Absolute expiry, epoch ms. */
  readonly expireTime: number
  revoked: boolean
}

/** A device credential (一机一密). */
export interface DeviceCredentialRecord {
  readonly clientId: string
  readonly instanceId: string
  readonly deviceAccessKeyId: string
  readonly deviceAccessKeySecret: string
  readonly createTime: number
  updateTime: number
}

/**
 * State the emulated broker and a fake OpenAPI share: the tokens ApplyToken issued and the device
 * credentials RegisterDeviceCredential created. The fake API writes, the broker reads.
 */
export interface AliyunRegistry {
  applyToken(req: {
    instanceId: string
    accessKeyId: string
    resources: string[]
    actions: TokenActions
    expireTime: number
  }): TokenRecord
  token(token: string): TokenRecord | undefined
  /** Marks a token revoked and tells listeners (the broker disconnects its users). False when unknown. */
  revokeToken(token: string): boolean
  onRevoke(listener: (record: TokenRecord) => void): () => void
  registerDeviceCredential(instanceId: string, clientId: string): DeviceCredentialRecord
  deviceCredential(instanceId: string, clientId: string): DeviceCredentialRecord | undefined
  deviceCredentialByKeyId(deviceAccessKeyId: string): DeviceCredentialRecord | undefined
  refreshDeviceCredential(instanceId: string, clientId: string): DeviceCredentialRecord | undefined
  unregisterDeviceCredential(instanceId: string, clientId: string): boolean
}

/** Creates an empty registry. */
export function createAliyunRegistry(): AliyunRegistry {
  const tokens = new Map<string, TokenRecord>()
  const credentials = new Map<string, DeviceCredentialRecord>()
  const listeners = new Set<(record: TokenRecord) => void>()
  const key = (instanceId: string, clientId: string) => `${instanceId} ${clientId}`
  const newCredential = (instanceId: string, clientId: string, createTime: number): DeviceCredentialRecord => ({
    clientId,
    instanceId,
    deviceAccessKeyId: `DC.${randomBytes(12).toString('base64url')}`,
    deviceAccessKeySecret: `DC.${randomBytes(18).toString('base64url')}`,
    createTime,
    updateTime: Date.now(),
  })

  return {
    applyToken(req) {
      // Opaque Base64 with + / =, like the real tokens, so escaping bugs show up.
      const token = `${randomBytes(4).toString('hex')}+${randomBytes(20).toString('base64')}/=`
      const record: TokenRecord = { ...req, resources: [...req.resources], token, revoked: false }
      tokens.set(token, record)
      return record
    },
    token: (token) => tokens.get(token),
    revokeToken(token) {
      const record = tokens.get(token)
      if (!record) return false
      record.revoked = true
      for (const listener of listeners) listener(record)
      return true
    },
    onRevoke(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    registerDeviceCredential(instanceId, clientId) {
      // Registering again replaces the credential: the latest wins.
      const record = newCredential(instanceId, clientId, Date.now())
      credentials.set(key(instanceId, clientId), record)
      return record
    },
    deviceCredential: (instanceId, clientId) => credentials.get(key(instanceId, clientId)),
    deviceCredentialByKeyId: (id) => [...credentials.values()].find((c) => c.deviceAccessKeyId === id),
    refreshDeviceCredential(instanceId, clientId) {
      const old = credentials.get(key(instanceId, clientId))
      if (!old) return undefined
      const record = newCredential(instanceId, clientId, old.createTime)
      credentials.set(key(instanceId, clientId), record)
      return record
    },
    unregisterDeviceCredential: (instanceId, clientId) => credentials.delete(key(instanceId, clientId)),
  }
}
