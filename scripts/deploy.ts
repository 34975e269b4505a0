// npm run deploy: pushes dist/designdocs to COUCHDB_URL, one line per doc.
import { readDesignDocs } from '../src/build/designdocs.js';
import { deployDesignDocs } from '../src/couch/deploy.js';
import { describeCouchError } from '../src/couch/errors.js';
import { CouchError } from '../src/couch/request.js';
import { compiledDesignDocs } from '../src/paths.js';
import { loadConfig } from '../src/config.js';
import { fail } from '../src/cli.js';

const url = process.env.COUCHDB_URL;
if (!url) fail(new Error('COUCHDB_URL is not set: give the CouchDB URL with admin credentials, e.g. http://admin:secret@127.0.0.1:5984'));
// Shard settings for databases created now, on a cluster (CouchDB's own defaults when unset).
function shard(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) fail(new Error(`${name} must be a whole number from 1, not "${raw}"`));
  return Number(raw);
}
const shards = { q: shard('COUCHFN_SHARDS_Q'), n: shard('COUCHFN_SHARDS_N') };
const prefix = (() => { try { return loadConfig().dbPrefix; } catch (err) { return fail(err); } })();

try {
  for (const r of await deployDesignDocs(url, readDesignDocs(compiledDesignDocs), { shards, prefix })) console.log(`${r.status} ${r.database}/${r.id}`);
  console.log('the show runs functions on this CouchDB');
} catch (err) {
  fail(err instanceof CouchError ? new Error(describeCouchError(err, url)) : err);
}
