import { TidingsError, type TransportScheme } from '@tidings/core'

/**
 * The error of a Node transport asked for a scheme it does not speak. `tcp()` and `tls()` list both TCP
 * schemes so the client hands them whatever the profile decided, and a mismatch ends in this clear
 * INVALID_OPTIONS (fatal: no retry loop) instead of a plain-text CONNECT sent to a TLS port or the reverse.
 */
export function schemeMismatch(transport: 'tcp' | 'tls', scheme: TransportScheme): TidingsError {
  const message =
    transport === 'tcp'
      ? `tcp() speaks plain mqtt, but the broker profile asks for ${scheme} (tls: true or an mqtts:// URL): use tls() from @tidings/transport-node`
      : `tls() speaks mqtts, but the broker profile asks for plain ${scheme}: create the profile with tls: true (or an mqtts:// URL), or use tcp()`
  return new TidingsError('INVALID_OPTIONS', message, { adapter: transport })
}
