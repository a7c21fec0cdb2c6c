import { isTidingsError, type TidingsError } from '@tidings/core'
import { describe, expect, it } from 'vitest'
import { alipay, uniapp, wechat } from '../../../transport-wechat/src/index.js'
import { createFakePlatform, memoryWire } from '../../src/wechat/index.js'
import { ENDPOINT, OPEN, SHAPES, flush, memorySetup, onAlipay, watch, write } from './helpers.js'

const bytesOf = (frame: Uint8Array | string): number[] =>
  typeof frame === 'string' ? [...Buffer.from(frame)] : [...frame]

describe.each(SHAPES)('$name transport on an in-memory $shape', (entry) => {
  it('queues writes until the socket opens; packets of one tick leave as one frame', async () => {
    const { connections, transport } = memorySetup(entry)
    const stream = transport.open(ENDPOINT, OPEN)
    // MQTT.js corks each packet and uncorks on the next tick, as here.
    stream.cork()
    const w1 = write(stream, new Uint8Array([1, 2, 3]))
    const w2 = write(stream, new Uint8Array([4, 5]))
    queueMicrotask(() => stream.uncork())
    const w3 = write(stream, new Uint8Array([6]))
    await flush()
    expect(connections).toHaveLength(1)
    expect(connections[0]!.frames).toHaveLength(0)
    connections[0]!.open()
    await Promise.all([w1, w2, w3])
    expect(connections[0]!.frames.map(bytesOf)).toEqual([[1, 2, 3, 4, 5, 6]])
    stream.destroy()
  })

  it('sends exactly the bytes of a subarray view, never its backing buffer', async () => {
    const { platform, connections, transport } = memorySetup(entry, { binary: 'arraybuffer' })
    const stream = transport.open(ENDPOINT, OPEN)
    connections[0]!.open()
    await flush()
    const backing = new Uint8Array(8192).fill(0xee)
    backing.set([0x30, 0x03, 0x00, 0x01, 0x61], 100)
    await write(stream, backing.subarray(100, 105))
    expect(connections[0]!.frames.map(bytesOf)).toEqual([[0x30, 0x03, 0x00, 0x01, 0x61]])
    const sent = platform.tasks[0]!.sent[0]!
    // Alipay-shaped sockets under uniapp() send base64 (the `binary` option is alipay()'s).
    expect(typeof sent === 'string' ? Buffer.from(sent, 'base64').length : sent.byteLength).toBe(5)
    stream.destroy()
  })

  it('emits close once with the platform close info, and never closes a closed socket', async () => {
    const { platform, connections, transport } = memorySetup(entry)
    const stream = transport.open(ENDPOINT, OPEN) as ReturnType<typeof transport.open> & {
      closeInfo?: { code?: number; reason?: string }
    }
    const seen = watch(stream)
    connections[0]!.open()
    await flush()
    connections[0]!.close(1006, 'abnormal closure')
    await flush()
    stream.destroy()
    stream.destroy()
    await flush()
    expect(seen.closes).toBe(1)
    expect(platform.tasks[0]!.closeCalls).toBe(0)
    // Alipay's task reports no close code or reason (documented shape); the others do.
    if (onAlipay(entry.shape)) expect(stream.closeInfo).toEqual({})
    else expect(stream.closeInfo).toEqual({ code: 1006, reason: 'abnormal closure' })
  })

  it('closes its socket once however often it is destroyed', async () => {
    const { platform, connections, transport } = memorySetup(entry)
    const stream = transport.open(ENDPOINT, OPEN)
    const seen = watch(stream)
    connections[0]!.open()
    await flush()
    stream.destroy()
    stream.destroy()
    stream.end()
    await flush()
    expect(platform.tasks[0]!.closeCalls).toBe(1)
    expect(platform.tasks[0]!.closeFailures).toBe(0)
    expect(connections[0]!.closes).toEqual([{ code: 1000, reason: 'client closed' }])
    expect(seen.closes).toBe(1)
  })

  it('surfaces socket errors as TidingsErrors with a code and the transport name', async () => {
    const { platform, connections, transport } = memorySetup(entry)
    const stream = transport.open(ENDPOINT, OPEN)
    const seen = watch(stream)
    connections[0]!.open()
    await flush()
    connections[0]!.error('network is down')
    await flush()
    expect(seen.errors).toHaveLength(1)
    const error = seen.errors[0] as TidingsError
    expect(isTidingsError(error)).toBe(true)
    expect(error.code).toBe('TRANSPORT_ERROR')
    expect(error.adapter).toBe(entry.name)
    expect(error.message).toContain('network is down')
    expect(seen.closes).toBe(1)
    // The platform said the socket failed: closing it again would only fail.
    expect(platform.tasks[0]!.closeCalls).toBe(0)
  })

  it('delivers binary and text frames as bytes', async () => {
    const { connections, transport } = memorySetup(entry)
    const stream = transport.open(ENDPOINT, OPEN)
    const seen = watch(stream)
    connections[0]!.open()
    connections[0]!.message(new Uint8Array([0x20, 0x02, 0x00, 0x00]))
    connections[0]!.message('hi')
    await flush()
    expect(seen.data.map((d) => [...d])).toEqual([
      [0x20, 0x02, 0x00, 0x00],
      [0x68, 0x69],
    ])
    stream.destroy()
  })

  it('fails the 6th socket with QUOTA_EXCEEDED (platform limit), and refuses it up front in reject mode', async () => {
    const { connections, transport } = memorySetup(entry)
    const streams = Array.from({ length: 5 }, () => transport.open(ENDPOINT, OPEN))
    for (const c of connections) c.open()
    const sixth = transport.open(ENDPOINT, OPEN)
    const seen = watch(sixth)
    await flush()
    expect(seen.errors.map((e) => (e as TidingsError).code)).toEqual(['QUOTA_EXCEEDED'])
    expect(connections).toHaveLength(5)
    for (const s of streams) s.destroy()

    const strict = memorySetup(entry, { production: 'reject' })
    const held = Array.from({ length: 5 }, () => strict.transport.open(ENDPOINT, OPEN))
    expect(() => strict.transport.open(ENDPOINT, OPEN)).toThrow(expect.objectContaining({ code: 'QUOTA_EXCEEDED' }))
    // A closed socket frees its slot.
    held[0]!.destroy()
    await flush()
    const again = strict.transport.open(ENDPOINT, OPEN)
    expect(strict.connections).toHaveLength(6)
    for (const s of [...held, again]) s.destroy()
  })

  it('counts sockets per transport instance, not per module', () => {
    const a = memorySetup(entry, { production: 'reject' })
    const b = memorySetup(entry, { production: 'reject' })
    const held = Array.from({ length: 5 }, () => a.transport.open(ENDPOINT, OPEN))
    const other = b.transport.open(ENDPOINT, OPEN)
    expect(b.connections).toHaveLength(1)
    for (const s of [...held, other]) s.destroy()
  })

  it('keeps each connection to its own stream', async () => {
    const { connections, transport } = memorySetup(entry)
    const one = transport.open(ENDPOINT, OPEN)
    const two = transport.open(ENDPOINT, OPEN)
    const [seenOne, seenTwo] = [watch(one), watch(two)]
    for (const c of connections) c.open()
    connections[1]!.message(new Uint8Array([2]))
    connections[0]!.message(new Uint8Array([1]))
    await flush()
    expect(seenOne.data.map((d) => [...d])).toEqual([[1]])
    expect(seenTwo.data.map((d) => [...d])).toEqual([[2]])
    one.destroy()
    two.destroy()
  })

  it('builds wss URLs without the default port and asks for the mqtt subprotocol', () => {
    const { platform, connections, transport } = memorySetup(entry)
    // No scheme option: the client passes the scheme the profile chose, wss preferred.
    expect(transport.schemes).toEqual(['wss', 'ws'])
    transport.open(ENDPOINT, OPEN).destroy()
    transport.open({ host: 'mq.example.com', port: 8084, path: '/mqtt' }, OPEN).destroy()
    expect(connections.map((c) => c.request.url)).toEqual([
      'wss://mq.example.com/mqtt',
      'wss://mq.example.com:8084/mqtt',
    ])
    const call = platform.calls[0]!
    if (onAlipay(entry.shape)) {
      expect(call.multiple).toBe(true)
      expect(call.header).toEqual({ 'Sec-WebSocket-Protocol': 'mqtt' })
    } else {
      expect(call.protocols).toEqual(['mqtt'])
      expect(call.tcpNoDelay).toBe(true)
    }
  })

  it('warns once about ws://, IP and localhost URLs, and rejects them in reject mode', () => {
    const warnings: string[] = []
    const { transport } = memorySetup(entry, {
      production: 'warn',
      warn: (m: string) => warnings.push(m),
    })
    const plain = { ...OPEN, scheme: 'ws' as const }
    transport.open({ host: '127.0.0.1', port: 8083, path: '/mqtt' }, plain).destroy()
    transport.open({ host: '127.0.0.1', port: 8083, path: '/mqtt' }, plain).destroy()
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/wss/)
    expect(warnings[1]).toMatch(/localhost or a loopback address/)

    const strict = memorySetup(entry, { production: 'reject' })
    expect(() => strict.transport.open({ host: 'localhost', port: 443 }, OPEN)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    )
    const insecure = memorySetup(entry, { production: 'reject' })
    expect(() => insecure.transport.open({ host: 'mq.example.com', port: 80 }, plain)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    )
    expect(strict.connections).toHaveLength(0)
  })

  it('reads the platform object lazily and says so when it is missing', () => {
    const transport = entry.make(undefined)
    expect(() => transport.open(ENDPOINT, OPEN)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })

  it('forwards foreground and network events, and unsubscribes', () => {
    const { platform, transport } = memorySetup(entry)
    const got: string[] = []
    const stopShow = transport.lifecycle!.onForeground!(() => got.push('show'))
    const stopNet = transport.lifecycle!.onNetworkChange!((online) => got.push(`net:${online}`))
    const stopHide = transport.lifecycle!.onBackground!(() => got.push('hide'))
    platform.app.hide()
    platform.app.show()
    platform.app.network(false)
    platform.app.network(true)
    stopShow()
    stopNet()
    stopHide()
    platform.app.show()
    expect(got).toEqual(['hide', 'show', 'net:false', 'net:true'])
    expect(platform.app.listeners()).toEqual({ show: 0, hide: 0, network: 0 })
  })
})

describe('platform differences', () => {
  it('alipay: sends base64 with isBuffer and decodes nested base64 messages', async () => {
    const { wire, connections } = memoryWire()
    const platform = createFakePlatform('my', { wire })
    const stream = alipay({ my: platform.api as never, production: 'off' }).open(ENDPOINT, OPEN)
    const seen = watch(stream)
    connections[0]!.open()
    await write(stream, new Uint8Array([0xc0, 0x00]))
    expect(platform.tasks[0]!.sent).toEqual(['wAA='])
    expect((platform.tasks[0]!.options.header as Record<string, string>)['Sec-WebSocket-Protocol']).toBe('mqtt')
    connections[0]!.message(new Uint8Array([0xd0, 0x00, 0xff]))
    await flush()
    expect(seen.data.map((d) => [...d])).toEqual([[0xd0, 0x00, 0xff]])
    stream.destroy()
  })

  it('alipay: handles the flat (global-API) message form and protocols as an option', async () => {
    const received: Array<Uint8Array | ArrayBuffer | string> = []
    const listeners: Record<string, (r: unknown) => void> = {}
    const my = {
      connectSocket: (opts: Record<string, unknown>) => {
        received.push(JSON.stringify({ protocols: opts.protocols ?? null, header: opts.header ?? null }))
        return {
          onOpen: (l: (r: unknown) => void) => {
            listeners.open = l
          },
          onMessage: (l: (r: unknown) => void) => {
            listeners.message = l
          },
          onClose: (l: (r: unknown) => void) => {
            listeners.close = l
          },
          onError: (l: (r: unknown) => void) => {
            listeners.error = l
          },
          send: () => {},
          close: () => {},
        }
      },
    }
    const stream = alipay({ my: my as never, production: 'off', protocolsIn: 'option' }).open(ENDPOINT, OPEN)
    const seen = watch(stream)
    listeners.open!({})
    listeners.message!({ data: 'AQID', isBuffer: true })
    listeners.message!({ data: { data: 'BA==', isBuffer: true } })
    listeners.close!({ data: { code: 1001, reason: 'Stream end encountered' } })
    await flush()
    expect(received).toEqual([JSON.stringify({ protocols: ['mqtt'], header: null })])
    expect(seen.data.map((d) => [...d])).toEqual([[1, 2, 3], [4]])
    expect((stream as { closeInfo?: unknown }).closeInfo).toEqual({ code: 1001, reason: 'Stream end encountered' })
  })

  it('alipay: an old base library without multiple sockets is UNSUPPORTED', () => {
    const transport = alipay({ my: { connectSocket: () => undefined } as never, production: 'off' })
    expect(() => transport.open(ENDPOINT, OPEN)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }))
  })

  it('bytedance: string close codes become numbers', async () => {
    const { platform, connections, transport } = memorySetup(SHAPES.find((s) => s.shape === 'tt')!)
    const stream = transport.open(ENDPOINT, OPEN)
    watch(stream)
    connections[0]!.open()
    connections[0]!.close(1000, 'interrupted')
    await flush()
    expect(platform.tasks[0]!.state).toBe('closed')
    expect((stream as { closeInfo?: unknown }).closeInfo).toEqual({ code: 1000, reason: 'interrupted' })
  })

  it('uniapp: always passes callbacks so connectSocket returns a SocketTask, not a Promise', () => {
    const { platform, transport } = memorySetup(SHAPES.find((s) => s.shape === 'uni')!)
    transport.open(ENDPOINT, OPEN).destroy()
    const call = platform.calls[0]!
    expect(typeof call.complete).toBe('function')
    expect(platform.tasks).toHaveLength(1)
    // A runtime that answers with a Promise anyway is refused clearly.
    const promised = uniapp({ uni: { connectSocket: () => Promise.resolve({}) } as never, production: 'off' })
    expect(() => promised.open(ENDPOINT, OPEN)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }))
  })

  it('wechat: send only ever receives an ArrayBuffer (the fake refuses views like the platform)', async () => {
    const { platform, connections, transport } = memorySetup(SHAPES.find((s) => s.shape === 'wx')!)
    const stream = transport.open(ENDPOINT, OPEN)
    connections[0]!.open()
    await write(stream, new Uint8Array([1]))
    await write(stream, Buffer.from([2, 3]))
    expect(platform.tasks[0]!.sendFailures).toEqual([])
    expect(platform.tasks[0]!.sent.every((d) => d instanceof ArrayBuffer)).toBe(true)
    stream.destroy()
  })

  it('importing the package touches no platform global', async () => {
    const g = globalThis as Record<string, unknown>
    expect(g.wx).toBeUndefined()
    const transport = wechat()
    expect(transport.name).toBe('wechat')
    expect(() => transport.open(ENDPOINT, OPEN)).toThrow(/wx\.connectSocket is not available/)
  })
})
