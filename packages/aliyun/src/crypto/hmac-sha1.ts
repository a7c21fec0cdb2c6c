import { toBase64, utf8Bytes } from '@tidings/core'
import { hmacSha1 } from './sha1.js'

/** The part of WebCrypto's `SubtleCrypto` the signer needs. */
export interface SubtleLike {
  importKey(
    format: 'raw',
    key: Uint8Array,
    algorithm: { name: 'HMAC'; hash: 'SHA-1' },
    extractable: false,
    usages: ['sign'],
  ): Promise<unknown>
  sign(algorithm: 'HMAC', key: unknown, data: Uint8Array): Promise<ArrayBuffer>
}

/**
 * Base64(HMAC-SHA1(key, data)) of two UTF-8 strings: Aliyun's Signature and DeviceCredential password.
 * Uses WebCrypto when `subtle` is given (see {@link defaultSubtle}) and the built-in pure implementation
 * otherwise (mini-programs); both give the same bytes.
 */
export async function hmacSha1Base64(key: string, data: string, subtle: SubtleLike | undefined): Promise<string> {
  const keyBytes = utf8Bytes(key)
  const dataBytes = utf8Bytes(data)
  if (subtle) {
    try {
      const cryptoKey = await subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-1' }, false, ['sign'])
      return toBase64(new Uint8Array(await subtle.sign('HMAC', cryptoKey, dataBytes)))
    } catch {
      // Some runtimes expose `subtle` but refuse SHA-1 or raw keys: fall back to the pure implementation.
    }
  }
  return toBase64(hmacSha1(keyBytes, dataBytes))
}

/** WebCrypto's subtle API when the platform has one (absent on mini-programs and http:// pages). */
export function defaultSubtle(): SubtleLike | undefined {
  const crypto = (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto
  return crypto?.subtle && typeof crypto.subtle.sign === 'function' ? crypto.subtle : undefined
}
