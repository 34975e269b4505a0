// npm run deploy: pushes dist/designdocs to COUCHDB_URL, one line per doc.
import { readDesignDocs } from '../src/build/designdocs.js';
import { deployDesignDocs } from '../src/couch/deploy.js';
import { describeCouchError } from '../src/couch/errors.js';
import { compiledDesignDocs } from '../src/paths.js';
import { fail } from '../src/cli.js';

const url = process.env.COUCHDB_URL;
if (!url) fail(new Error('COUCHDB_URL is not set: give the CouchDB URL with admin credentials, e.g. http://admin:secret@127.0.0.1:5984'));
try {
  for (const r of await deployDesignDocs(url, readDesignDocs(compiledDesignDocs))) console.log(`${r.status} ${r.database}/${r.id}`);
} catch (err) {
  fail(new Error(describeCouchError(err, url)));
}
