import { describe, expect, it } from 'vitest'
import { clientOptions } from '../src/connection/connect.js'
import { resolveSettings } from '../src/connection/options.js'

const claims = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>

describe('connection settings', () => {
  it("--jwt-secret mints a short-lived JWT whose ACL is exactly the command's topics, then deny-all", async () => {
    const settings = resolveSettings({
      broker: 'emqx',
      url: 'mqtt://127.0.0.1:1883',
      username: 'ann',
      jwtSecret: 'x'.repeat(32),
    })
    const { broker } = clientOptions(settings, { subscribe: ['a/+/state'], publish: ['a/1/cmd'] })
    const creds = await broker.connectOptions({ attempt: 0 })
    const c = claims(String(creds.password))
    expect(c.username).toBe('ann')
    expect(c.clientid).toBe(creds.clientId)
    expect(Number(c.exp) - Number(c.iat)).toBe(600)
    expect(c.acl).toEqual([
      { permission: 'allow', action: 'subscribe', topic: 'a/+/state' },
      { permission: 'allow', action: 'publish', topic: 'a/1/cmd' },
      { permission: 'deny', action: 'all', topic: '#' },
    ])
  })

  it('reads the Aliyun secret from the environment only, and never a password in the URL', () => {
    const env = { ALIYUN_ACCESS_KEY_SECRET: 's3cret' }
    const s = resolveSettings(
      { broker: 'aliyun', accessKeyId: 'LTAI', instanceId: 'i', groupId: 'GID_g', deviceId: 'd' },
      env,
    )
    expect(s.accessKeySecret).toBe('s3cret')
    expect(() =>
      clientOptions({ broker: 'generic', url: 'mqtt://u:p@127.0.0.1:1883' }, { subscribe: [], publish: [] }),
    ).toThrow(/must not carry credentials/)
  })
})
