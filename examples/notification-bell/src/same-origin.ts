import type { IncomingMessage } from 'node:http'

/**
 * Why a request must be refused as cross-site, or undefined when it may proceed. Browsers label every
 * request with `Sec-Fetch-Site`; older ones at least send `Origin` on POSTs, which must then be this
 * server's own origin. A request with neither header does not come from a browser (curl, another
 * server): it carries no victim's cookie, so cross-site request forgery is not possible with it.
 *
 * `publicOrigin` is the origin users see (`https://app.example.com`) when a proxy in front changes the
 * `Host` header; by default the request's own `Host` is the origin.
 */
export function crossSiteProblem(request: IncomingMessage, publicOrigin?: string): string | undefined {
  const site = request.headers['sec-fetch-site']
  if (site !== undefined) {
    // 'none' is the user typing the URL or opening a bookmark.
    return site === 'same-origin' || site === 'none' ? undefined : `a ${site} request`
  }
  const origin = request.headers.origin
  if (origin === undefined) return undefined
  const allowed = publicOrigin ?? [`http://${request.headers.host}`, `https://${request.headers.host}`]
  return (typeof allowed === 'string' ? origin === allowed : allowed.includes(origin))
    ? undefined
    : `a request from origin ${JSON.stringify(origin.slice(0, 100))}`
}
