// What the embedded server does that CouchDB does too, where express-pouchdb alone would not.
import test from 'ava';
import nano from 'nano';
import { readDesignDocs } from '../../src/build/designdocs.js';
import { deployDesignDocs } from '../../src/couch/deploy.js';
import { compiledDesignDocs } from '../../src/paths.js';
import { callShow, embedded, storeFunction } from '../helpers/couch.js';

test('a non-admin PUT /db is refused instead of crashing the server', async (t) => {
  const couch = await embedded();
  t.teardown(() => couch.stop());
  const res = await fetch(`${couch.server.origin}/newdb`, { method: 'PUT' });
  t.is(res.status, 401);
  t.is((await fetch(`${couch.server.origin}/`)).status, 200);
  t.true((await nano(couch.url).db.create('newdb')).ok, 'an admin still can');
});

test('shows need the admin credentials', async (t) => {
  const couch = await embedded();
  t.teardown(() => couch.stop());
  await deployDesignDocs(couch.url, readDesignDocs(compiledDesignDocs));
  const res = await fetch(`${couch.server.origin}/functions/_design/functions/_show/wh/x`);
  t.is(res.status, 401);
});

test('a show that throws gets CouchDB\'s render_error, without server paths', async (t) => {
  const couch = await embedded();
  t.teardown(() => couch.stop());
  const db = nano(couch.url);
  await db.db.create('other');
  await db.use<Record<string, unknown>>('other').insert({ _id: '_design/d', shows: { boom: 'function (doc, req) { throw new Error("boom " + req.query.a); }' } });
  const auth = `Basic ${Buffer.from(`${couch.server.credentials.username}:${couch.server.credentials.password}`).toString('base64')}`;
  const res = await fetch(`${couch.server.origin}/other/_design/d/_show/boom?a=1`, { headers: { authorization: auth } });
  t.is(res.status, 500);
  t.deepEqual(await res.json(), { error: 'render_error', reason: 'function raised error: Error: boom 1' });
});

test('with new Function blocked, as SpiderMonkey without --eval, the show says how to fix the server', async (t) => {
  const couch = await embedded({ allowEval: false });
  t.teardown(() => couch.stop());
  await deployDesignDocs(couch.url, readDesignDocs(compiledDesignDocs));
  const id = await storeFunction(couch, 'acct', { function_js: "return {module:'tts',data:{}};" });
  const { status, body } = await callShow(couch, id);
  t.is(status, 500);
  t.is(body.error, 'eval_blocked');
  t.regex(body.reason, /QuickJS|--eval/);
});
