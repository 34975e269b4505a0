// Bench child: the embedded CouchDB in a process of its own, as a real
// CouchDB would be, so the proxy is measured without sharing its CPU thread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedCouch } from '../embedded/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'couchfn-bench-'));
const couch = await startEmbeddedCouch({ dataDir, port: 0 });
process.send!({ url: couch.url });
process.on('disconnect', () => {
  void couch.close().finally(() => { rmSync(dataDir, { recursive: true, force: true }); process.exit(0); });
});
