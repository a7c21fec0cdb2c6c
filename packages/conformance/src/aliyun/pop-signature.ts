import { createHmac } from 'node:crypto'

// An independent implementation of Alibaba Cloud's RPC signature (HMAC-SHA1, v1.0), written from the
// published algorithm, used to check what @alicloud/pop-core sends.

/** Percent-encoding of the RPC signature: encodeURIComponent plus ! ' ( ) *. */
export function popEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** The string a request signs: `METHOD&%2F&<encoded canonical query>`, with every param but Signature. */
export function popStringToSign(method: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .filter((key) => key !== 'Signature')
    .sort()
    .map((key) => `${popEncode(key)}=${popEncode(params[key]!)}`)
    .join('&')
  return `${method.toUpperCase()}&${popEncode('/')}&${popEncode(canonical)}`
}

/** Base64(HMAC-SHA1(secret + "&", stringToSign)). */
export function popSignature(secret: string, stringToSign: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64')
}
