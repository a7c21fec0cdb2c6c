import { createHmac } from 'node:crypto'
import { TidingsError } from '@tidings/core'
import { BROKER_NAME, assertClientId } from '../names.js'

/** Options of {@link signatureCredentials}. */
export interface SignatureCredentialsOptions {
  accessKeyId: string
  /** The account (or RAM user) AccessKeySecret. Server-side only. */
  accessKeySecret: string
  instanceId: string
  clientId: string
}

/**
 * Signature-mode credentials (签名鉴权): user name `Signature|<AccessKeyId>|<InstanceId>`, password
 * Base64(HMAC-SHA1(AccessKeySecret, clientId)). Compute them on your server and hand them to the client
 * (`presignedAuth` on the client side): the AccessKeySecret must never ship in browser or mini-program code.
 */
export function signatureCredentials(options: SignatureCredentialsOptions): { username: string; password: string } {
  const { accessKeyId, accessKeySecret, instanceId, clientId } = options ?? ({} as SignatureCredentialsOptions)
  for (const [name, value] of [
    ['accessKeyId', accessKeyId],
    ['accessKeySecret', accessKeySecret],
    ['instanceId', instanceId],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0 || (name !== 'accessKeySecret' && value.includes('|'))) {
      throw new TidingsError(
        'INVALID_OPTIONS',
        `signatureCredentials: ${name} must be a non-empty string${name === 'accessKeySecret' ? '' : ' without "|"'}`,
        { adapter: BROKER_NAME },
      )
    }
  }
  assertClientId(clientId)
  return {
    username: `Signature|${accessKeyId}|${instanceId}`,
    password: createHmac('sha1', accessKeySecret).update(clientId, 'utf8').digest('base64'),
  }
}
