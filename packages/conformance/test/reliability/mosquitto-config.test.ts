import { mosquittoConfig } from '@tidings/mosquitto/server'
import { describe, expect, it } from 'vitest'

// The broker side of a bounded packet size: mosquittoConfig() always writes max_packet_size.
describe('mosquittoConfig() max_packet_size', () => {
  it('defaults to 1 MiB instead of Mosquitto’s 256 MB', () => {
    expect(mosquittoConfig({ listeners: [{ port: 1883 }] }).split('\n')).toContain('max_packet_size 1048576')
  })

  it('takes maxPacketBytes, and refuses a value that is not a non-negative integer', () => {
    expect(mosquittoConfig({ listeners: [{ port: 1883 }], maxPacketBytes: 65_536 }).split('\n')).toContain(
      'max_packet_size 65536',
    )
    expect(() => mosquittoConfig({ listeners: [{ port: 1883 }], maxPacketBytes: 1.5 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    )
  })
})
