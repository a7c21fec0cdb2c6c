import { webcrypto } from 'node:crypto'
import { TidingsError } from '@tidings/core'
import { ALIYUN_LIMITS, BROKER_NAME } from '../names.js'

/** Random characters at the end of every generated device id: 12 × 5 bits. */
const SUFFIX_LENGTH = 12
// 32 symbols, so one random byte masked to 5 bits picks one without bias.
const ALPHABET = '0123456789abcdefghijklmnopqrstuv'
const SEPARATOR = '@@@'

/** Longest group id that still leaves room for a generated device id. */
export const MAX_GENERATED_GROUP_ID_LENGTH = ALIYUN_LIMITS.maxClientIdLength - SEPARATOR.length - SUFFIX_LENGTH

/** Throws `INVALID_OPTIONS` when `groupId` is too long for {@link generateClientId} to fit a device id. */
export function assertRoomForDeviceId(groupId: string): void {
  if (groupId.length > MAX_GENERATED_GROUP_ID_LENGTH) {
    throw new TidingsError(
      'INVALID_OPTIONS',
      `aliyunCredentialIssuer: groupId is ${groupId.length} characters; generated client ids need it at most ${MAX_GENERATED_GROUP_ID_LENGTH}`,
      { adapter: BROKER_NAME },
    )
  }
}

/**
 * `<groupId>@@@<user>_<random>`: the user id reduced to letters, digits, `-` and `_` (for reading logs),
 * then 60 random bits from `crypto.getRandomValues`, so two tabs of one user never share a client id and
 * kick each other off, and nobody can guess another user's next id. At most 64 characters.
 */
export function generateClientId(groupId: string, userId: string): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(SUFFIX_LENGTH))
  let suffix = ''
  for (const byte of bytes) suffix += ALPHABET[byte & 31]
  const room = ALIYUN_LIMITS.maxClientIdLength - groupId.length - SEPARATOR.length - SUFFIX_LENGTH - 1
  const user = userId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, Math.max(room, 0))
  return `${groupId}${SEPARATOR}${user ? `${user}_` : ''}${suffix}`
}
