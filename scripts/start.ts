// npm start: the main CouchDB (embedded unless COUCHDB_URL is set) with the
// design docs deployed, then how to call it.
import { startBackend } from '../src/app/backend.js';
import { loadConfig } from '../src/config.js';
import { describeCouchError, redact } from '../src/couch/errors.js';
import { fail } from '../src/cli.js';

const config = (() => { try { return loadConfig(); } catch (err) { return fail(err); } })();
const backend = await startBackend(config).catch((err) => fail(new Error(config.couchdbUrl ? describeCouchError(err, config.couchdbUrl) : (err as Error).message)));
for (const r of backend.deployed) console.log(`${r.status} ${r.database}/${r.id}`);
const u = new URL(backend.url);
console.log(`CouchDB ${backend.embedded ? '(embedded) ' : ''}at ${redact(backend.url)}`);
console.log(`Try the show:\n  curl -u '${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}' '${u.origin}/functions/_design/functions/_show/wh/{function id}?To=2000&Caller-ID-Name=Alice+Smith'`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { void backend.close().then(() => process.exit(0)); });
}
