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
  await deployDesignDocs(couch.url, readDesignDocs(compiledDesignDocs), { probe: false });
  const id = await storeFunction(couch, 'acct', { function_js: "return {module:'tts',data:{}};" });
  const { status, body } = await callShow(couch, id);
  t.is(status, 500);
  t.is(body.error, 'eval_blocked');
  t.regex(body.reason, /QuickJS|--eval/);
});

test('no method on _show, _list, _update, _rewrite or _temp_view runs user code in the Node process, admin or not', async (t) => {
  const couch = await embedded();
  t.teardown(() => couch.stop());
  await deployDesignDocs(couch.url, readDesignDocs(compiledDesignDocs));
  const probe = "return {module: 'tts', data: {text: String(this.constructor.constructor('return typeof process')())}};";
  const id = await storeFunction(couch, 'acct', { function_js: probe });
  const auth = `Basic ${Buffer.from(`${couch.server.credentials.username}:${couch.server.credentials.password}`).toString('base64')}`;
  const show = `${couch.server.origin}/functions/_design/functions/_show/wh/${id}`;
  const ran = await fetch(show, { headers: { authorization: auth } });
  t.is(((await ran.json()) as { data: { text: string } }).data.text, 'undefined', 'GET runs in the sandbox');
  for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) {
    const res = await fetch(show, { method, headers: { authorization: auth, 'content-type': 'application/json' }, ...(method === 'HEAD' ? {} : { body: '{}' }) });
    t.is(res.status, 405, method);
    t.notRegex(await res.text(), /process|tts/, method);
  }
  for (const path of ['_list/l/crossbar_listing', '_update/u', '_rewrite/x']) {
    const res = await fetch(`${couch.server.origin}/functions/_design/functions/${path}`, { method: 'POST', headers: { authorization: auth } });
    t.is(res.status, 501, path);
  }
  const temp = await fetch(`${couch.server.origin}/functions/_temp_view`, {
    method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ map: 'function (doc) { emit(typeof process, 1); }' })
  });
  t.is(temp.status, 501);
});

test('design documents may carry only couchfn\'s own view, validation and filter code', async (t) => {
  const couch = await embedded();
  t.teardown(() => couch.stop());
  const built = readDesignDocs(compiledDesignDocs);
  await deployDesignDocs(couch.url, built);
  const db = nano(couch.url).use<Record<string, unknown>>('functions');
  const own = built.find((b) => b.database === 'functions')!.doc;
  const evil = { views: { v: { map: "function (doc) { emit(process.env.HOME, 1); }" } } };
  for (const write of [
    () => db.insert({ _id: '_design/evil', ...evil }),
    () => db.bulk({ docs: [{ _id: '_design/evil', ...evil }] }),
    () => db.insert({ _id: '_design/evil', validate_doc_update: 'function () { require("child_process"); }' }),
    () => db.insert({ _id: '_design/evil', filters: { f: 'function () { return true; }' } }),
    // express-pouchdb ignores `language`, and turns non-strings into source
    () => db.insert({ _id: '_design/evil', language: 'query', views: { v: { map: 'function (doc) { emit(process.pid, 1); }' } } }),
    () => db.insert({ _id: '_design/evil', views: { v: { map: own.views!.crossbar_listing.map, reduce: ['function () { return process.pid; }'] } } }),
    () => db.insert({ _id: '_design/evil', filters: { f: ['function () { return true; }'] } })
  ]) {
    const err = await t.throwsAsync(write) as { statusCode?: number; reason?: string };
    t.is(err.statusCode, 403);
    t.regex(err.reason ?? '', /not couchfn's own code/);
  }
  t.true((await db.insert({ _id: '_design/index', language: 'query', views: { byName: { map: { fields: { name: 'asc' } }, reduce: '_count' } } })).ok, 'a Mango index has no code');
  t.true((await db.insert({ _id: '_design/copy', views: own.views })).ok, 'couchfn\'s own code is stored');
  t.true((await db.insert({ _id: '_design/shows-only', shows: { s: 'function () { return "ok"; }' } })).ok, 'shows run in the sandbox, so they may be stored');
});
