import { TidingsError } from '@tidings/core'
import { defaultSubtle, hmacSha1Base64, type SubtleLike } from '../crypto/hmac-sha1.js'
import { BROKER_NAME } from '../names.js'
import type { AliyunAuth } from './types.js'

/** Options of {@link deviceCredentialAuth}. */
export interface DeviceCredentialAuthOptions {
  /** `DeviceAccessKeyId` from RegisterDeviceCredential, e.g. `DC.Z5fX…`. */
  deviceAccessKeyId: string
  /** `DeviceAccessKeySecret` of this device only: it signs this client id and nothing else. */
  deviceAccessKeySecret: string
  /**
   * WebCrypto to sign with. `null` forces the built-in pure HMAC-SHA1.
   * @default globalThis.crypto.subtle when present, else the built-in implementation
   */
  subtle?: SubtleLike | null
}

/**
 * Unique-certificate-per-device auth (一机一密): user name `DeviceCredential|<DeviceAccessKeyId>|<InstanceId>`,
 * password Base64(HMAC-SHA1(DeviceAccessKeySecret, clientId)). The device secret is bound to one client id,
 * so computing it on the device is acceptable, unlike the account AccessKey of Signature mode.
 *
 * @example
 * ```ts
 * aliyun({ instanceId, groupId: 'GID_locks', deviceId: 'lock-17', auth: deviceCredentialAuth({ deviceAccessKeyId, deviceAccessKeySecret }) })
 * ```
 */
export function deviceCredentialAuth(options: DeviceCredentialAuthOptions): AliyunAuth {
  const { deviceAccessKeyId, deviceAccessKeySecret } = options ?? ({} as DeviceCredentialAuthOptions)
  for (const [name, value] of [
    ['deviceAccessKeyId', deviceAccessKeyId],
    ['deviceAccessKeySecret', deviceAccessKeySecret],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0 || value.includes('|')) {
      throw new TidingsError(
        'INVALID_OPTIONS',
        `deviceCredentialAuth: ${name} must be a non-empty string without "|"`,
        { adapter: BROKER_NAME },
      )
    }
  }
  const subtle = options.subtle === null ? undefined : (options.subtle ?? defaultSubtle())
  return {
    mode: 'device-credential',
    bind: ({ instanceId, clientId }) => {
      const username = `DeviceCredential|${deviceAccessKeyId}|${instanceId}`
      // The password depends only on the client id, so one computation serves every reconnect.
      let password: Promise<string> | undefined
      return {
        refreshesCredentials: false,
        credentials: async () => ({
          username,
          password: await (password ??= hmacSha1Base64(deviceAccessKeySecret, clientId, subtle)),
        }),
      }
    },
  }
}
