import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { resolveSettings, withConnectionOptions, type ConnectionFlags } from '../src/connection/options.js'

// A token on the command line is visible to every user in the process list: the environment is the way.
const aliyun = { broker: 'aliyun' } as const

function parse(argv: string[]): ConnectionFlags {
  const command = withConnectionOptions(new Command().exitOverride())
  command.parse(argv, { from: 'user' })
  return command.opts<ConnectionFlags>()
}

describe('--token, TIDINGS_TOKEN and --token-env', () => {
  it('takes the token from TIDINGS_TOKEN when no flag gives one', () => {
    expect(resolveSettings(parse(['--broker', 'aliyun']), { TIDINGS_TOKEN: 'from-env' }).token).toBe('from-env')
    expect(resolveSettings(parse(['--broker', 'aliyun']), {}).token).toBeUndefined()
  })

  it('reads the variable --token-env names, before TIDINGS_TOKEN', () => {
    const flags = parse(['--broker', 'aliyun', '--token-env', 'MY_TOKEN'])
    expect(flags.tokenEnv).toBe('MY_TOKEN')
    expect(resolveSettings(flags, { MY_TOKEN: 'mine', TIDINGS_TOKEN: 'other' }).token).toBe('mine')
  })

  it('lets an explicit --token win over TIDINGS_TOKEN', () => {
    expect(resolveSettings({ ...aliyun, token: 'flag' }, { TIDINGS_TOKEN: 'env' }).token).toBe('flag')
  })

  it('refuses an unset or malformed --token-env and --token together with --token-env, naming no secret', () => {
    const refusal = (flags: ConnectionFlags, env: NodeJS.ProcessEnv) => {
      try {
        resolveSettings(flags, env)
      } catch (error) {
        return error as Error & { code?: string }
      }
      throw new Error('accepted')
    }
    const unset = refusal({ ...aliyun, tokenEnv: 'MISSING' }, { TIDINGS_TOKEN: 'secret-1' })
    expect(unset).toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('MISSING') })
    expect(refusal({ ...aliyun, tokenEnv: 'A B' }, {})).toMatchObject({ code: 'INVALID_OPTIONS' })
    const both = refusal({ ...aliyun, token: 'secret-2', tokenEnv: 'T' }, { T: 'secret-3' })
    expect(both).toMatchObject({ code: 'INVALID_OPTIONS' })
    for (const error of [unset, both]) expect(error.message).not.toMatch(/secret-/)
  })

  it('says in --help that a --token flag is visible in the process list', () => {
    const help = withConnectionOptions(new Command()).helpInformation()
    expect(help).toMatch(/--token <token>[\s\S]*process list[\s\S]*TIDINGS_TOKEN/)
    expect(help).toContain('--token-env <name>')
  })
})
