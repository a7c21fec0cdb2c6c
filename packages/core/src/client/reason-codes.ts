import type { TidingsErrorCode } from '../errors.js'

/**
 * What a refused CONNECT means. Whether the client keeps trying is decided from the `code` alone, in one
 * table: `FATAL_CODES` in retry.ts.
 */
export interface ConnackVerdict {
  code: TidingsErrorCode
  reason: string
}

// MQTT 3.1.1 CONNACK return codes (§3.2.2.3) and MQTT 5 reason codes (§3.2.2.2) side by side; the
// ranges do not overlap (3.1.1 uses 1–5, MQTT 5 uses ≥ 0x80), so one table serves both.
const CONNACK: Record<number, ConnackVerdict> = {
  1: { code: 'PROTOCOL_ERROR', reason: 'unacceptable protocol version' },
  2: { code: 'CLIENT_ID_REJECTED', reason: 'identifier rejected' },
  3: { code: 'SERVER_UNAVAILABLE', reason: 'server unavailable' },
  4: { code: 'NOT_AUTHORIZED', reason: 'bad user name or password' },
  5: { code: 'NOT_AUTHORIZED', reason: 'not authorized' },
  0x80: { code: 'SERVER_UNAVAILABLE', reason: 'unspecified error' },
  0x81: { code: 'PROTOCOL_ERROR', reason: 'malformed packet' },
  0x82: { code: 'PROTOCOL_ERROR', reason: 'protocol error' },
  0x83: { code: 'SERVER_UNAVAILABLE', reason: 'implementation specific error' },
  0x84: { code: 'PROTOCOL_ERROR', reason: 'unsupported protocol version' },
  0x85: { code: 'CLIENT_ID_REJECTED', reason: 'client identifier not valid' },
  0x86: { code: 'NOT_AUTHORIZED', reason: 'bad user name or password' },
  0x87: { code: 'NOT_AUTHORIZED', reason: 'not authorized' },
  0x88: { code: 'SERVER_UNAVAILABLE', reason: 'server unavailable' },
  0x89: { code: 'SERVER_UNAVAILABLE', reason: 'server busy' },
  0x8a: { code: 'BANNED', reason: 'banned' },
  0x8c: { code: 'NOT_AUTHORIZED', reason: 'bad authentication method' },
  0x95: { code: 'PAYLOAD_TOO_LARGE', reason: 'packet too large' },
  0x97: { code: 'QUOTA_EXCEEDED', reason: 'quota exceeded' },
  0x9c: { code: 'SERVER_UNAVAILABLE', reason: 'use another server' },
  0x9d: { code: 'SERVER_UNAVAILABLE', reason: 'server moved' },
  0x9f: { code: 'QUOTA_EXCEEDED', reason: 'connection rate exceeded' },
}

/** Classifies a CONNACK failure code. */
export function connackVerdict(reasonCode: number): ConnackVerdict {
  return CONNACK[reasonCode] ?? { code: 'SERVER_UNAVAILABLE', reason: `reason code ${reasonCode}` }
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
