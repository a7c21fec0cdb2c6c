import { redactText, redactUrl } from '@tidings/core/server'

// Signed-request fields whose values must never reach an error: the request signature and an STS token,
// in a form body or query (`Signature=…`) or echoed as JSON (`"Signature":"…"`). `SignatureMethod` and
// `SignatureNonce` are left alone: the name must be followed directly by `=` or `:`.
const SIGNED_FIELDS =
  /\b(Signature|SecurityToken|AccessKeySecret|DeviceAccessKeySecret)(["']?\s*[=:]\s*["']?)[^&"'\s,}<]*/gi
const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>]+/gi
/** Secrets shorter than this are not searched for literally: replacing them would garble ordinary words. */
const MIN_LITERAL_SECRET = 6

/**
 * Makes text that came from the OpenAPI or from pop-core (an error body, a message that quotes the request)
 * safe for an error message: the given secrets (the AccessKeySecret, literally and URL-encoded), signed-request
 * fields, URL credentials and secret query parameters, and `Authorization` values are replaced with `***`,
 * then the text is cut to core's 512-character limit.
 */
export function redactApiText(text: string, secrets: readonly string[] = []): string {
  let out = String(text)
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_LITERAL_SECRET) continue
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***')
  }
  out = out.replace(SIGNED_FIELDS, '$1$2***').replace(URL_IN_TEXT, (url) => redactUrl(url))
  return redactText(out)
}
