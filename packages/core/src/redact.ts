/**
 * Keeps secrets out of error messages and logs. Every message built from a URL or an HTTP answer goes
 * through these first: broker URLs may carry `user:password@`, and a proxy may echo request headers
 * (Basic credentials included) into its error body.
 */

/** Longest HTTP body kept in an error message. */
export const MAX_ERROR_BODY = 512

const SECRET_QUERY_KEY = /pass|secret|token|signature|sig$|key|auth|credential/i

/** `mqtt://user:pw@host/x?token=abc` → `mqtt://***@host/x?token=***`. Never throws. */
export function redactUrl(url: string): string {
  if (typeof url !== 'string') return String(url)
  // Userinfo first, by pattern, so even a URL that does not parse loses it.
  let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@')
  const q = out.indexOf('?')
  if (q >= 0) {
    const hash = out.indexOf('#', q)
    const end = hash >= 0 ? hash : out.length
    const query = out
      .slice(q + 1, end)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=')
        return eq > 0 && SECRET_QUERY_KEY.test(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=***` : pair
      })
      .join('&')
    out = `${out.slice(0, q + 1)}${query}${out.slice(end)}`
  }
  return out
}

/**
 * Makes text from outside (an HTTP error body, a broker's message) safe to put in an error: credentials in
 * URLs, `Authorization` header values and bare `Basic`/`Bearer` tokens are replaced with `***`, and the
 * result is cut to `max` characters.
 */
export function redactText(text: string, max: number = MAX_ERROR_BODY): string {
  let out = String(text)
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"']*@/gi, '$1***@')
    .replace(
      /(authorization|proxy-authorization|cookie|set-cookie|x-api-key)(["']?\s*[:=]\s*["']?)[^"'\r\n,}]*/gi,
      '$1$2***',
    )
    .replace(/\b(basic|bearer|digest)\s+[A-Za-z0-9._~+/=-]{6,}/gi, '$1 ***')
  if (out.length > max) out = `${out.slice(0, max)}… (${out.length - max} more characters)`
  return out
}
