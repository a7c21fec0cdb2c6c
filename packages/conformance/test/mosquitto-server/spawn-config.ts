import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitForPort } from '../../src/fixtures/index.js'
import { requireBinary } from '../../src/fixtures/require-binary.js'

/** A Mosquitto started from a config text, for the config writer's tests. */
export interface ConfiguredMosquitto {
  readonly dir: string
  log(): string
  close(): Promise<void>
}

/** A temporary directory, with `dynsec.json` initialised for `admin` when asked. */
export function tempDir(dynsecAdmin?: { admin: string; password: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-mosquitto-config-'))
  if (dynsecAdmin) {
    execFileSync(
      requireBinary('mosquitto_ctrl'),
      ['dynsec', 'init', join(dir, 'dynsec.json'), dynsecAdmin.admin, dynsecAdmin.password],
      { stdio: 'pipe' },
    )
  }
  return dir
}

/** Self-signed certificate for 127.0.0.1 (the certificate is its own CA). */
export function selfSignedCert(dir: string): { certfile: string; keyfile: string; ca: Buffer } {
  const certfile = join(dir, 'cert.pem')
  const keyfile = join(dir, 'key.pem')
  execFileSync(
    requireBinary('openssl'),
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyfile,
      '-out',
      certfile,
    ],
    { stdio: 'pipe' },
  )
  return { certfile, keyfile, ca: readFileSync(certfile) }
}

/** Writes `config` into `dir`, starts Mosquitto on it and waits for every port. */
export async function startConfigured(dir: string, config: string, ports: number[]): Promise<ConfiguredMosquitto> {
  const configPath = join(dir, 'mosquitto.conf')
  writeFileSync(configPath, config)
  const proc = spawn(requireBinary('mosquitto'), ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const exited = new Promise<never>((_, reject) =>
    proc.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}:\n${stderr}`))),
  )
  exited.catch(() => {})
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve()
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000)
      proc.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      proc.kill('SIGTERM')
    })
  try {
    await Promise.race([Promise.all(ports.map((p) => waitForPort(p))), exited])
  } catch (error) {
    await stop()
    throw error
  }
  return {
    dir,
    log: () => stderr,
    async close() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
