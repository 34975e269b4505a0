// HTTPS from the certificate and key files (COUCHFN_TLS_CERT_FILE,
// COUCHFN_TLS_KEY_FILE): LivePerson's client fetches its tokens over https
// only. A file that cannot be read stops the start naming the setting.
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';

export function tlsOptions(config: Config): { cert: Buffer; key: Buffer } | undefined {
  if (!config.tls) return undefined;
  const read = (file: string, setting: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`${setting} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { cert: read(config.tls.certFile, 'COUCHFN_TLS_CERT_FILE'), key: read(config.tls.keyFile, 'COUCHFN_TLS_KEY_FILE') };
}
