// The build's ES5 gate: what CouchDB 2.x engines cannot run never ships.
import test from 'ava';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'acorn';
import { buildDesignDoc, buildDesignDocs, checkEs5 } from '../../src/build/designdocs.js';
import { designDocSources } from '../../src/paths.js';

const made: string[] = [];
test.after.always(() => { for (const dir of made) rmSync(dir, { recursive: true, force: true }); });

function ddocWithShow(source: string): string {
  const root = mkdtempSync(join(tmpdir(), 'couchfn-ddoc-'));
  made.push(root);
  const dir = join(root, 'planted');
  mkdirSync(join(dir, 'shows'), { recursive: true });
  writeFileSync(join(dir, 'ddoc.json'), '{"database":"planted"}');
  writeFileSync(join(dir, 'shows', 'bad.ts'), source);
  return dir;
}

test('a planted let fails the build with its file and line', async (t) => {
  const dir = ddocWithShow('export default function bad(doc: any) {\n  var a = 1;\n  let b = 2;\n  return a + b;\n}\n');
  const err = await t.throwsAsync(buildDesignDoc(dir));
  t.regex(err!.message, /shows[/\\]bad\.ts:3:\d+: .*let/);
});

test('a class fails the build', async (t) => {
  const err = await t.throwsAsync(buildDesignDoc(ddocWithShow('class A {}\nexport default function bad() { return new A(); }\n')));
  t.regex(err!.message, /bad\.ts:1:\d+/);
});

test('a runtime helper that is not ES5 fails the build', async (t) => {
  const err = await t.throwsAsync(buildDesignDoc(ddocWithShow('export default function bad(doc: any) { return (Object as any).assign({}, doc); }\n')));
  t.regex(err!.message, /bad\.ts: uses \.assign \(not ES5\)/);
});

test('checkEs5 refuses ES2015 syntax and RegExp flags', (t) => {
  t.throws(() => checkEs5('function (a) { return () => a; }', 'x.ts'), { message: /not ECMAScript 5/ });
  t.throws(() => checkEs5('function (a) { return new RegExp("a", "u"); }', 'x.ts'), { message: /RegExp flags "u"/ });
});

test('every function of every shipped design document is ES5', async (t) => {
  const built = await buildDesignDocs(designDocSources);
  t.deepEqual(built.map((b) => `${b.database}/${b.doc._id}`).sort(),
    ['accounts/_design/accounts', 'event_deliveries/_design/event_deliveries', 'function_attempts/_design/function_attempts',
      'function_installations/_design/function_installations', 'functions/_design/functions', 'lp_requests/_design/lp_requests',
      'oauth_clients/_design/oauth_clients', 'webhook_attempts/_design/webhook_attempts', 'webhooks/_design/webhooks']);
  const sources = built.flatMap(({ doc }) => [doc.shows?.wh, doc.validate_doc_update, ...Object.values(doc.views ?? {}).flatMap((v) => [v.map, v.reduce])])
    .filter((s): s is string => typeof s === 'string' && !s.startsWith('_'));
  t.true(sources.length >= 8);
  for (const source of sources) t.notThrows(() => parse(`(${source})`, { ecmaVersion: 5 }));
  t.deepEqual(Object.keys(built.find((b) => b.database === 'functions')!.doc.views!).sort(), ['by_name', 'crossbar_listing', 'events_listing']);
});
