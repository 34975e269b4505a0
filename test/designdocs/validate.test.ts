// validate_doc_update: CouchDB itself refuses function docs that break the schema.
import test from 'ava';
import { deployedCouch, functionsDb, unique, type TestCouch } from '../helpers/couch.js';

let couch: TestCouch;
test.before(async () => { couch = await deployedCouch(); });
test.after.always(async () => { await couch?.stop(); });

const valid = () => ({ _id: unique('fn'), pvt_type: 'function', pvt_account_id: 'acct1', name: 'hi', function_js: 'return 1;' });

async function refusal(couch: TestCouch, doc: Record<string, unknown>) {
  try {
    await functionsDb(couch).insert(doc);
  } catch (err) {
    return err as { statusCode: number; reason: string };
  }
  return null;
}

test('a valid function doc is stored', async (t) => {
  const stored = await functionsDb(couch).insert(valid());
  t.true(stored.ok);
});

for (const [what, change, field, rule] of [
  ['no name', { name: undefined }, 'name', 'required'],
  ['no function_js', { function_js: undefined }, 'function_js', 'required'],
  ['a number as name', { name: 42 }, 'name', 'type'],
  ['an empty name', { name: '' }, 'name', 'minLength'],
  ['enabled as a string', { enabled: 'yes' }, 'enabled', 'type'],
  ['an unknown language pack', { language_pack: 'lua' }, 'language_pack', 'enum'],
  ['a bad event name', { events: ['Call Route'] }, 'events.0', 'pattern'],
  ['no owner', { pvt_account_id: undefined }, 'pvt_account_id', 'required'],
  ['another type', { pvt_type: 'webhook' }, 'pvt_type', 'enum']
] as const) {
  test(`a function doc with ${what} is refused with 403 naming ${field} and ${rule}`, async (t) => {
    const doc: Record<string, unknown> = { ...valid(), ...change };
    for (const key of Object.keys(doc)) if (doc[key] === undefined) delete doc[key];
    const err = await refusal(couch, doc);
    t.is(err?.statusCode, 403);
    t.true(err?.reason.startsWith(`${field}: ${rule}:`), err?.reason);
  });
}

test('a function cannot move to another account', async (t) => {
  const doc = valid();
  const stored = await functionsDb(couch).insert(doc);
  const err = await refusal(couch, { ...doc, _rev: stored.rev, pvt_account_id: 'acct2' });
  t.is(err?.statusCode, 403);
  t.regex(err!.reason, /^pvt_account_id: invalid/);
});

test('a function can be deleted', async (t) => {
  const doc = valid();
  const stored = await functionsDb(couch).insert(doc);
  const deleted = await functionsDb(couch).destroy(doc._id, stored.rev);
  t.true(deleted.ok);
});

test('a published version is stored once and never changed, whoever writes it', async (t) => {
  const fn = unique('fn');
  const version = { _id: `version:${fn}:1.0.0`, pvt_type: 'function_version', pvt_account_id: 'acct1', pvt_function_id: fn, version: '1.0.0', function_js: 'return 1;' };
  const stored = await functionsDb(couch).insert(version);
  t.true(stored.ok);
  const changed = await refusal(couch, { ...version, _rev: stored.rev, function_js: 'return 2;' });
  t.is(changed?.statusCode, 403);
  t.regex(changed!.reason, /^version: immutable/);
  const misnamed = await refusal(couch, { ...version, _id: `version:${fn}:2.0.0` });
  t.is(misnamed?.statusCode, 403, 'its id says which function and version it is');
  const noCode = await refusal(couch, { ...version, _id: `version:${fn}:1.0.1`, version: '1.0.1', function_js: undefined });
  t.is(noCode?.statusCode, 403);
});
