import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitForPort } from '../fixtures/ports.js'
import { requireBinary } from '../fixtures/require-binary.js'
import type { CertificateFixture } from './certs.js'
import { NGINX_EXAMPLE_DIR } from './workspace.js'

/** A running nginx in front of a broker's WebSocket listener. */
export interface NginxFixture {
  /** The TLS port (443 in production). */
  readonly port: number
  /** `wss://127.0.0.1:<port>/mqtt` */
  readonly wssUrl: string
  /** The site config as run, after the test substitutions. */
  readonly siteConfig: string
  log(): string
  accessLog(): string
  close(): Promise<void>
}

/**
 * Starts Debian's nginx with the nginx-wss example's `mqtt-wss.conf`, changed only where a test must:
 * a free loopback port instead of 443, the generated certificate, and the broker's ws port as upstream.
 * Each substitution must match, so the test breaks if the example drifts from what it exercises.
 */
export async function startNginx(options: { upstreamPort: number; certs: CertificateFixture }): Promise<NginxFixture> {
  const binary = requireBinary('nginx')
  const dir = mkdtempSync(join(tmpdir(), 'tidings-nginx-'))
  mkdirSync(join(dir, 'logs'))
  mkdirSync(join(dir, 'tmp'))
  const port = await freePort()
  const example = readFileSync(new URL('mqtt-wss.conf', NGINX_EXAMPLE_DIR), 'utf8')
  const siteConfig = substitute(example, [
    ['listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`],
    // Test machines may lack IPv6; production keeps this line.
    ['listen [::]:443 ssl;', ''],
    ['server 127.0.0.1:8083;', `server 127.0.0.1:${options.upstreamPort};`],
    ['/etc/nginx/tls/mqtt.example.com.fullchain.pem', options.certs.certPath],
    ['/etc/nginx/tls/mqtt.example.com.key', options.certs.keyPath],
  ])
  writeFileSync(join(dir, 'mqtt-wss.conf'), siteConfig)
  const temp = (name: string): string => `${name}_temp_path ${join(dir, 'tmp', name)};`
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'master_process on;',
      'worker_processes 1;',
      // As root, workers would otherwise drop to a user that cannot read the test's temporary files.
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'logs', 'error.log')} info;`,
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${join(dir, 'logs', 'access.log')};`,
      `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      `  include ${join(dir, 'mqtt-wss.conf')};`,
      '}',
      '',
    ].join('\n'),
  )
  const log = (): string => {
    try {
      return readFileSync(join(dir, 'logs', 'error.log'), 'utf8')
    } catch {
      return ''
    }
  }
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`nginx exited with ${code}:\n${stderr}\n${log()}`))),
  )
  exited.catch(() => {})
  await Promise.race([waitForPort(port, '127.0.0.1', 10_000), exited])
  return {
    port,
    wssUrl: `wss://127.0.0.1:${port}/mqtt`,
    siteConfig,
    log,
    accessLog: () => {
      try {
        return readFileSync(join(dir, 'logs', 'access.log'), 'utf8')
      } catch {
        return ''
      }
    },
    close: async () => {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
          child.once('exit', () => {
            clearTimeout(timer)
            resolve()
          })
          // SIGQUIT: graceful shutdown; SIGTERM makes nginx exit fast without waiting for connections.
          child.kill('SIGTERM')
        })
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function substitute(text: string, pairs: Array<[string, string]>): string {
  let out = text
  for (const [from, to] of pairs) {
    if (!out.includes(from))
      throw new Error(`examples/nginx-wss/mqtt-wss.conf no longer contains "${from}"; update the nginx fixture with it`)
    out = out.split(from).join(to)
  }
  return out
}
