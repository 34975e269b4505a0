// npm run deploy: databases created admin-only, one line per doc, idempotent,
// and a clear one-line failure when CouchDB cannot be used.
import test from 'ava';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import nano from 'nano';
import { readDesignDocs } from '../../src/build/designdocs.js';
import { compiledDesignDocs, packageRoot } from '../../src/paths.js';
import { embedded, startTestCouch, type TestCouch } from '../helpers/couch.js';

const run = promisify(execFile);
let couch: TestCouch;
test.before(async () => { couch = await startTestCouch(); });
test.after.always(async () => { await couch?.stop(); });

async function deploy(url: string, env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['dist/scripts/deploy.js'], { cwd: packageRoot, env: { ...process.env, COUCHDB_URL: url, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test.serial('deploys the design docs, then a second run changes nothing', async (t) => {
  const first = await deploy(couch.url);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /^(created|updated|unchanged) functions\/_design\/functions$/m);
  const rev = (await nano(couch.url).use('functions').get('_design/functions'))._rev;
  const second = await deploy(couch.url);
  t.is(second.code, 0);
  t.deepEqual(second.stdout.trim().split('\n'), [
    ...readDesignDocs(compiledDesignDocs).map(({ database, doc }) => `unchanged ${database}/${doc._id}`), 'the show runs functions on this CouchDB'
  ]);
  t.is((await nano(couch.url).use('functions').get('_design/functions'))._rev, rev);
});

test.serial('the databases it creates are admin-only', async (t) => {
  const security = await nano(couch.url).request({ db: 'functions', path: '_security' });
  t.deepEqual(security.members.roles, ['_admin']);
  const anonymous = new URL(couch.url);
  anonymous.username = '';
  anonymous.password = '';
  const res = await fetch(`${anonymous.origin}/functions/_all_docs`);
  t.true([401, 403].includes(res.status));
});

test('an unreachable server exits non-zero with one line', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
  const result = await deploy(`http://admin:secret@127.0.0.1:${port}`);
  t.is(result.code, 1);
  t.is(result.stderr.trim(), `error: cannot reach CouchDB at http://admin:***@127.0.0.1:${port} (ECONNREFUSED)`);
});

test('bad credentials exit non-zero with one line that hides the password', async (t) => {
  const wrong = new URL(couch.url);
  wrong.password = 'not-the-password';
  const result = await deploy(wrong.toString());
  t.is(result.code, 1);
  t.regex(result.stderr.trim(), /^error: CouchDB at http:\/\/[^:]+:\*\*\*@.* refused the credentials \(401/);
  t.notRegex(result.stderr, /not-the-password/);
  t.is(result.stderr.trim().split('\n').length, 1);
});

test('no COUCHDB_URL exits non-zero and says what to set', async (t) => {
  const result = await deploy('');
  t.is(result.code, 1);
  t.regex(result.stderr, /^error: COUCHDB_URL is not set/);
});

test('a CouchDB whose show cannot run functions fails the deploy with the fix', async (t) => {
  const blocked = await embedded({ allowEval: false });
  t.teardown(() => blocked.stop());
  const result = await deploy(blocked.url);
  t.is(result.code, 1);
  t.regex(result.stderr, /^error: the design documents are in place, but the show does not run functions .*js_engine = quickjs, or couchjs started with --eval/m);
});

test('bad shard settings stop the deploy with one line', async (t) => {
  const result = await deploy(couch.url, { COUCHFN_SHARDS_Q: 'two' });
  t.is(result.code, 1);
  t.is(result.stderr.trim(), 'error: COUCHFN_SHARDS_Q must be a whole number from 1, not "two"');
});
