// The sandbox engine hands the show only the fields of CouchDB's `req` and
// of the function document that the show reads. If the show starts reading
// another one, the two engines could answer differently: this test fails first.
import test from 'ava';
import { getQuickJS } from 'quickjs-emscripten';
import { decodeCall } from '../../designdocs/functions/lib/call.js';
import { readDesignDocs } from '../../src/build/designdocs.js';
import { SHOW_DOC_FIELDS, SHOW_REQ_FIELDS, whShow } from '../../src/invoke/sandbox-engine.js';
import { compiledDesignDocs } from '../../src/paths.js';

const source = whShow(readDesignDocs(compiledDesignDocs)).source;
const rawPath = '/functions/_design/functions/_show/wh/f1?To=2000&Caller-ID-Name=Alice+Smith&Custom-Channel-Vars[Owner]=x';

const docs: [string, Record<string, unknown> | null][] = [
  ['a callflow that logs and draws a random number', { function_js: "console.log('to', call.To); Math.random(); return {module: 'tts', data: {text: call['Caller-ID-Name']}};" }],
  ['a throw', { function_js: "throw new Error('boom');" }],
  ['a syntax error', { function_js: 'return {' }],
  ['an invalid callflow', { function_js: 'return 42;' }],
  ['a disabled function', { function_js: "return {module: 'tts', data: {}};", enabled: false }],
  ['a missing document', null]
];

for (const [title, fields] of docs) {
  test(`the show reads only ${SHOW_REQ_FIELDS.join(', ')} of req and ${SHOW_DOC_FIELDS.join(', ')} of the doc: ${title}`, async (t) => {
    const doc = fields && {
      _id: 'f1', _rev: '1-a', pvt_type: 'function', pvt_account_id: 'acc', name: 'f', enabled: true, pvt_version: '1.0.0',
      pvt_disable_reason: 'by hand', language_pack: 'en-us', global: false, pad: [1, 2, 3], ...fields
    };
    const full = {
      info: { db_name: 'functions' }, id: 'f1', uuid: 'u1', method: 'GET', requested_path: [], path: [], raw_path: rawPath,
      query: { To: '2000' }, headers: { Accept: 'application/json' }, body: 'undefined', peer: '127.0.0.1', form: {}, cookie: {},
      userCtx: { db: 'functions', name: null, roles: [] }, secObj: {}
    };
    // in a context of its own (the show locks down the realm it runs in), a
    // req and a doc whose every field records that it was read
    const vm = (await getQuickJS()).newContext();
    const answered = vm.evalCode(`(function () {
      var show = (${source});
      var full = ${JSON.stringify(full)};
      var read = [], readOfDoc = [];
      function recording(fields, into) {
        var object = {};
        Object.keys(fields).forEach(function (name) {
          Object.defineProperty(object, name, { get: function () { into.push(name); return fields[name]; }, enumerable: true });
        });
        return object;
      }
      var doc = ${JSON.stringify(doc)};
      var answer = show(doc && recording(doc, readOfDoc), recording(full, read));
      return JSON.stringify({ code: answer.code, read: read, readOfDoc: readOfDoc });
    })()`);
    const { code, read, readOfDoc } = JSON.parse(vm.getString(vm.unwrapResult(answered))) as { code: number; read: string[]; readOfDoc: string[] };
    vm.dispose();
    t.true(code >= 200, 'the show answered');
    t.deepEqual(read.filter((name) => !SHOW_REQ_FIELDS.includes(name)), []);
    t.deepEqual(readOfDoc.filter((name) => !SHOW_DOC_FIELDS.includes(name)), []);
    // a function that runs gets its call from raw_path (a disabled or missing one never runs)
    t.is(read.includes('raw_path'), doc?.enabled === true);
  });
}

// The sandbox decodes the call in Node with the show's own lib/call and hands
// it over as `couchfn_call`: the show then reads no raw_path, and answers the
// same bytes as from the query itself.
test('the call decoded by the proxy (couchfn_call) gets the same answer as the query it came from', async (t) => {
  const doc = { _id: 'f1', _rev: '1-a', pvt_type: 'function', enabled: true,
    function_js: "console.log(call.To); var k = []; for (var x in call) k.push(x + '=' + JSON.stringify(call[x])); return {module: 'tts', data: {text: k.join('&')}};" };
  const headers = { Accept: 'application/json', 'X-Couchfn-Log-Limits': '5,300' };
  const answers: string[] = [];
  for (const req of [
    { headers, uuid: 'u1', peer: '127.0.0.1', raw_path: rawPath },
    { headers, uuid: 'u1', peer: '127.0.0.1', couchfn_call: decodeCall(rawPath) }
  ]) {
    const vm = (await getQuickJS()).newContext();
    const answered = vm.evalCode(`JSON.stringify((${source})(${JSON.stringify(doc)}, ${JSON.stringify(req)}))`);
    answers.push(vm.getString(vm.unwrapResult(answered)));
    vm.dispose();
  }
  t.regex(answers[0], /Custom-Channel-Vars/);
  t.is(answers[1], answers[0]);
});
