import type { TidingsErrorCode } from '../errors.js'

/** How the client treats a refused CONNECT. */
export interface ConnackVerdict {
  code: TidingsErrorCode
  /** Fatal refusals stop reconnecting: retrying with the same credentials cannot succeed. */
  fatal: boolean
  reason: string
}

// MQTT 3.1.1 CONNACK return codes (§3.2.2.3) and MQTT 5 reason codes (§3.2.2.2) side by side; the
// ranges do not overlap (3.1.1 uses 1–5, MQTT 5 uses ≥ 0x80), so one table serves both.
const CONNACK: Record<number, ConnackVerdict> = {
  1: { code: 'PROTOCOL_ERROR', fatal: true, reason: 'unacceptable protocol version' },
  2: { code: 'CLIENT_ID_REJECTED', fatal: true, reason: 'identifier rejected' },
  3: { code: 'SERVER_UNAVAILABLE', fatal: false, reason: 'server unavailable' },
  4: { code: 'NOT_AUTHORIZED', fatal: true, reason: 'bad user name or password' },
  5: { code: 'NOT_AUTHORIZED', fatal: true, reason: 'not authorized' },
  0x80: { code: 'SERVER_UNAVAILABLE', fatal: false, reason: 'unspecified error' },
  0x81: { code: 'PROTOCOL_ERROR', fatal: true, reason: 'malformed packet' },
  0x82: { code: 'PROTOCOL_ERROR', fatal: true, reason: 'protocol error' },
  0x83: { code: 'SERVER_UNAVAILABLE', fatal: false, reason: 'implementation specific error' },
  0x84: { code: 'PROTOCOL_ERROR', fatal: true, reason: 'unsupported protocol version' },
  0x85: { code: 'CLIENT_ID_REJECTED', fatal: true, reason: 'client identifier not valid' },
  0x86: { code: 'NOT_AUTHORIZED', fatal: true, reason: 'bad user name or password' },
  0x87: { code: 'NOT_AUTHORIZED', fatal: true, reason: 'not authorized' },
  0x88: { code: 'SERVER_UNAVAILABLE', fatal: false, reason: 'server unavailable' },
  0x89: { code: 'SERVER_UNAVAILABLE', fatal: false, reason: 'server busy' },
  0x8a: { code: 'BANNED', fatal: true, reason: 'banned' },
  0x8c: { code: 'NOT_AUTHORIZED', fatal: true, reason: 'bad authentication method' },
  0x95: { code: 'PAYLOAD_TOO_LARGE', fatal: true, reason: 'packet too large' },
  0x97: { code: 'QUOTA_EXCEEDED', fatal: false, reason: 'quota exceeded' },
  0x9c: { code: 'SERVER_UNAVAILABLE', fatal: false, reason: 'use another server' },
  0x9d: { code: 'SERVER_UNAVAILABLE', fatal: false, reason: 'server moved' },
  0x9f: { code: 'QUOTA_EXCEEDED', fatal: false, reason: 'connection rate exceeded' },
}

/** Classifies a CONNACK failure code. */
export function connackVerdict(reasonCode: number): ConnackVerdict {
  return CONNACK[reasonCode] ?? { code: 'SERVER_UNAVAILABLE', fatal: false, reason: `reason code ${reasonCode}` }
}

const ACK_REASONS: Record<number, string> = {
  0x80: 'unspecified error',
  0x83: 'implementation specific error',
  0x87: 'not authorized',
  0x8f: 'topic filter invalid',
  0x90: 'topic name invalid',
  0x91: 'packet identifier in use',
  0x97: 'quota exceeded',
  0x99: 'payload format invalid',
  0x9e: 'shared subscriptions not supported',
  0xa1: 'subscription identifiers not supported',
  0xa2: 'wildcard subscriptions not supported',
}

/** Human text for a SUBACK/PUBACK failure code. */
export function ackReason(reasonCode: number): string {
  return ACK_REASONS[reasonCode] ?? `reason code ${reasonCode}`
}
