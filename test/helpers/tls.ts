// A self-signed certificate made at run time (never committed), for the
// names and addresses a test reaches couchfn by over TLS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface TestCertificate { certFile: string; keyFile: string; cert: string; remove(): void }

export async function selfSignedCertificate(dnsNames: string[]): Promise<TestCertificate> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: dnsNames[0] }], {
    keySize: 2048, algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...dnsNames.map((value) => ({ type: 2 as const, value })), { type: 7 as const, ip: '127.0.0.1' }] }
    ]
  });
  const dir = mkdtempSync(join(tmpdir(), 'couchfn-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, pems.cert);
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  return { certFile, keyFile, cert: pems.cert, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
