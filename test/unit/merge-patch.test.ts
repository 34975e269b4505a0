// PATCH as Kazoo does it (crossbar_doc:patch_the_doc, kz_json:merge_left):
// what the request says wins, objects merge deeply, null removes.
import test from 'ava';
import { mergePatch } from '../../src/couch/docs.js';

test('the request wins; keys it does not mention are kept; new keys are added', (t) => {
  t.deepEqual(mergePatch({ name: 'old', enabled: false, elbow: 'grease' }, { enabled: true, added: 0 }),
    { name: 'old', enabled: true, elbow: 'grease', added: 0 });
  t.deepEqual(mergePatch({ a: 1 }, {}), { a: 1 });
  t.deepEqual(mergePatch({}, { a: false, b: '', c: 0 }), { a: false, b: '', c: 0 });
});

test('nested objects merge at every depth', (t) => {
  const doc = { settings: { tts: { voice: 'female', language: 'en-us' }, retries: 2 }, name: 'f' };
  t.deepEqual(mergePatch(doc, { settings: { tts: { voice: 'male' } } }),
    { settings: { tts: { voice: 'male', language: 'en-us' }, retries: 2 }, name: 'f' });
});

test('null removes the key, at the top and nested; null for an absent key adds nothing', (t) => {
  const doc = { name: 'f', notes: 'x', settings: { a: 1, b: 2 } };
  t.deepEqual(mergePatch(doc, { notes: null }), { name: 'f', settings: { a: 1, b: 2 } });
  t.deepEqual(mergePatch(doc, { settings: { a: null } }), { name: 'f', notes: 'x', settings: { b: 2 } });
  t.deepEqual(mergePatch(doc, { settings: null }), { name: 'f', notes: 'x' });
  const added = mergePatch(doc, { nothing: null });
  t.false('nothing' in added);
});

test('arrays replace, never merge or concatenate', (t) => {
  t.deepEqual(mergePatch({ list: [1, 2, 3] }, { list: [4] }), { list: [4] });
  t.deepEqual(mergePatch({ list: [{ a: 1 }, { b: 2 }] }, { list: [{ c: 3 }] }), { list: [{ c: 3 }] });
  t.deepEqual(mergePatch({ list: [1, 2] }, { list: [] }), { list: [] });
  t.deepEqual(mergePatch({ v: { a: 1 } }, { v: [1] }), { v: [1] });
  t.deepEqual(mergePatch({ v: [1] }, { v: { a: 1 } }), { v: { a: 1 } });
});

test('a value of another type replaces the stored one', (t) => {
  t.deepEqual(mergePatch({ v: 'text' }, { v: { a: 1 } }), { v: { a: 1 } });
  t.deepEqual(mergePatch({ v: { a: 1 } }, { v: 'text' }), { v: 'text' });
  t.deepEqual(mergePatch({ v: null }, { v: { a: 1 } }), { v: { a: 1 } });
});

test('neither the stored doc nor the request is changed', (t) => {
  const doc = { name: 'f', settings: { tts: { voice: 'female' }, list: [1, 2] }, gone: 1 };
  const patch = { name: 'g', settings: { tts: { voice: null, language: 'fr' }, list: [3] }, gone: null };
  const docBefore = structuredClone(doc);
  const patchBefore = structuredClone(patch);
  const merged = mergePatch(doc, patch);
  t.deepEqual(merged, { name: 'g', settings: { tts: { language: 'fr' }, list: [3] } });
  t.deepEqual(doc, docBefore);
  t.deepEqual(patch, patchBefore);
  t.not(merged, doc);
});

// kz_json:merge_left on a key only the request has: merge(Left, new()), which drops nulls at any depth.
test('nulls inside an object the doc does not have yet are dropped, not stored (Kazoo parity)', (t) => {
  t.deepEqual(mergePatch({ name: 'f' }, { settings: { a: null, b: 1 } }), { name: 'f', settings: { b: 1 } });
});

// kz_json:merge_left({'both', ?EMPTY_JSON_OBJECT = Left, ?JSON_WRAPPER(_)}) -> {'ok', Left}: {} in the request empties the object.
test('an empty object in the request empties the stored object (Kazoo parity)', (t) => {
  t.deepEqual(mergePatch({ settings: { a: 1 } }, { settings: {} }), { settings: {} });
});
