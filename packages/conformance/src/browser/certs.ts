import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { requireBinary } from '../fixtures/require-binary.js'
import { NGINX_EXAMPLE_DIR } from './workspace.js'

/** A private CA and a server certificate for 127.0.0.1/localhost, made by the nginx-wss example's script. */
export interface CertificateFixture {
  readonly dir: string
  readonly caPath: string
  readonly certPath: string
  readonly keyPath: string
  /** PEM of the CA, for Node clients (`socketOptions: { ca }`). */
  readonly ca: string
  /** SHA-256 of the server's public key (base64), for Chromium's `--ignore-certificate-errors-spki-list`. */
  readonly spki: string
  remove(): void
}

/** Runs `examples/nginx-wss/make-certs.sh` into a fresh temporary directory. */
export function makeCertificates(): CertificateFixture {
  requireBinary('openssl')
  const dir = mkdtempSync(join(tmpdir(), 'tidings-certs-'))
  execFileSync('sh', [fileURLToPath(new URL('make-certs.sh', NGINX_EXAMPLE_DIR)), dir, 'localhost', '127.0.0.1'], {
    stdio: 'pipe',
  })
  return {
    dir,
    caPath: join(dir, 'ca.pem'),
    certPath: join(dir, 'server.fullchain.pem'),
    keyPath: join(dir, 'server.key'),
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    spki: readFileSync(join(dir, 'server.spki'), 'utf8').trim(),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
