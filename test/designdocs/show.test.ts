// The wh show: how it reads the call and every outcome, on the test CouchDB.
import test from 'ava';
import { deployedCouch, storeFunction, unique, type TestCouch } from '../helpers/couch.js';
import { showCallers } from '../helpers/show-callers.js';

let couch: TestCouch;
const account = unique('acct');
const echo = "return {module: 'tts', data: {call: call}};";

test.before(async () => { couch = await deployedCouch(); });
const callers = showCallers();
test.after.always(async () => {
  await Promise.all(callers.map((c) => c.close()));
  await couch?.stop();
});

// every engine that runs the show must pass the same suite
for (const via of callers) {

  test(via.title('reads the call as Kazoo encodes it: dashes, spaces, nested keys, repeated keys'), async (t) => {
    const id = await storeFunction(couch, account, { function_js: echo });
    const query = 'Caller-ID-Name=Alice+Smith&To=2000&Call-ID=abc%4010.0.0.1&Custom-Application-Vars[foo]=bar'
      + '&Custom-SIP-Headers[X-Foo]=a+b&&User-ID[]=u1&User-ID[]=u2&Digits=1&Digits=2&Note=caf%C3%A9+%26+%2B';
    const { status, body } = await via.call(couch, id, query);
    t.is(status, 200);
    t.deepEqual(body.data.call, {
      'Caller-ID-Name': 'Alice Smith', To: '2000', 'Call-ID': 'abc@10.0.0.1',
      'Custom-Application-Vars[foo]': 'bar', 'Custom-Application-Vars': { foo: 'bar' },
      'Custom-SIP-Headers[X-Foo]': 'a b', 'Custom-SIP-Headers': { 'X-Foo': 'a b' },
      'User-ID[]': 'u2', 'User-ID': ['u1', 'u2'], Digits: '2', Note: 'café & +'
    });
  });

  test(via.title('every value of the call is a string, numbers and booleans included'), async (t) => {
    const id = await storeFunction(couch, account, {
      function_js: "var kinds = []; for (var k in call) kinds.push(k + ':' + typeof call[k]); return {module: 'tts', data: {text: kinds.join(',')}};"
    });
    const { body } = await via.call(couch, id, 'Digits=1234&Flag=true&Empty=');
    t.is(body.data.text, 'Digits:string,Flag:string,Empty:string');
  });

  test(via.title('a callflow with children comes back as it was returned'), async (t) => {
    const flow = { module: 'tts', data: { text: 'Hi' }, children: { _: { module: 'voicemail', data: { id: 'vm1' } } } };
    const id = await storeFunction(couch, account, { function_js: `return ${JSON.stringify(flow)};` });
    const { status, body } = await via.call(couch, id, 'To=2000');
    t.is(status, 200);
    t.deepEqual(body, flow);
  });

  test(via.title('Kazoo\'s sloppy-mode examples still run'), async (t) => {
    const id = await storeFunction(couch, account, {
      function_js: "greeting = 'Hello'; var text = greeting + ' ' + (call.To || 'nobody'); with (call) { text += '!' }; return {module:'tts',data:{text:text}};"
    });
    const { status, body } = await via.call(couch, id, 'To=2000');
    t.is(status, 200);
    t.is(body.data.text, 'Hello 2000!');
  });

  test(via.title('a function as large as allowed, mostly one string or blanks, runs: the scan for undeclared names stays linear'), async (t) => {
    for (const function_js of [
      `var table = '${'x'.repeat(60_000)}'; total = table.length; return {module: 'tts', data: {text: String(total)}};`,
      `total = 60000;${' '.repeat(30_000)}${'\n'.repeat(30_000)}return {module: 'tts', data: {text: String(total)}};`
    ]) {
      const id = await storeFunction(couch, account, { function_js });
      const { status, body } = await via.call(couch, id, 'To=2000');
      t.is(status, 200, JSON.stringify(body).slice(0, 300));
      t.is(body.data.text, '60000');
    }
  });

  test(via.title('names a function assigns without var are its own for the call, in every form of assignment'), async (t) => {
    const id = await storeFunction(couch, account, {
      function_js: [
        "a = 1; b = c = 2; d = 0; d += 5; e = 10; e++; ++f; for (k in call) { last = k; }",
        "g = 'x = 1, /* y = 2 */ \\'quoted\\''; // h = 3",
        'r = /i = [/]+/.test("i = //"); q = 6 / 2 / 3;',
        'var text = [a, b, c, d, e, typeof f, last, g, r, q, typeof h, typeof i].join("|");',
        'return {module: "tts", data: {text: text}};'
      ].join('\n')
    });
    for (let i = 0; i < 2; i++) {
      const { status, body } = await via.call(couch, id, 'To=2000');
      t.is(status, 200, JSON.stringify(body));
      t.is(body.data.text, "1|2|2|5|11|number|To|x = 1, /* y = 2 */ 'quoted'|true|1|undefined|undefined");
    }
  });

  test(via.title('a missing function answers 404'), async (t) => {
    const { status, body } = await via.call(couch, unique('missing'), 'To=2000');
    t.is(status, 404);
    t.is(body.error, 'not_found');
  });

  test(via.title('a document that is not a function answers 404'), async (t) => {
    const { status, body } = await via.call(couch, '_design/functions', 'To=2000');
    t.is(status, 404);
    t.is(body.error, 'not_found');
  });

  test(via.title('a disabled function answers 423 with its reason'), async (t) => {
    const id = await storeFunction(couch, account, { function_js: echo, enabled: false, pvt_disable_reason: 'too many failed attempts' });
    const { status, body } = await via.call(couch, id);
    t.is(status, 423);
    t.deepEqual(body, { error: 'disabled', reason: 'too many failed attempts' });
  });

  test(via.title('a function that throws answers 500 function_error with its message and no stack'), async (t) => {
    const id = await storeFunction(couch, account, { function_js: "var x = call.To; throw new Error('no route for ' + x);" });
    const { status, body, text } = await via.call(couch, id, 'To=2000');
    t.is(status, 500);
    t.is(body.error, 'function_error');
    t.regex(body.reason, /^Error: no route for 2000( \(line 1\))?$/);
    t.notRegex(text, /\/(src|dist|node_modules)\/|at .*:\d+/);
  });

  test(via.title('a function that does not compile answers 500 function_error'), async (t) => {
    const id = await storeFunction(couch, account, { function_js: 'return {module: ;' });
    const { status, body } = await via.call(couch, id);
    t.is(status, 500);
    t.is(body.error, 'function_error');
    t.regex(body.reason, /SyntaxError/);
  });

  for (const [what, result] of [
    ['nothing', ''],
    ['a string', "'tts'"],
    ['no module', '{data: {}}'],
    ['an empty module', "{module: '', data: {}}"],
    ['a module of 65 characters', `{module: '${'m'.repeat(65)}', data: {}}`],
    ['data that is an array', "{module: 'tts', data: []}"],
    ['a bad child', "{module: 'tts', data: {}, children: {_: {module: 'play'}}}"]
  ]) {
    test(via.title(`a result with ${what} answers 500 invalid_callflow`), async (t) => {
      const id = await storeFunction(couch, account, { function_js: `return ${result};` });
      const { status, body } = await via.call(couch, id);
      t.is(status, 500);
      t.is(body.error, 'invalid_callflow');
    });
  }
  // the reason says where in the result the value JSON cannot carry is
  for (const [result, reason] of [
    ["{module: 'tts', data: {list: ['a', {n: 0 / 0}]}}", 'callflow.data.list[1].n is NaN, which JSON cannot carry'],
    ["{module: 'tts', data: {f: function () {}}}", 'callflow.data.f is a function: a callflow holds only JSON data'],
    ["(function () { var d = {}; d.again = [d]; return {module: 'tts', data: d}; })()", 'callflow.data.again[0] refers back to itself: a callflow cannot be cyclic'],
    ['1 / 0', 'callflow is Infinity, which JSON cannot carry']
  ]) {
    test(via.title(`a result that JSON cannot carry is refused, naming where: ${reason}`), async (t) => {
      const id = await storeFunction(couch, account, { function_js: `return ${result};` });
      const { status, body } = await via.call(couch, id);
      t.is(status, 500);
      t.deepEqual(body, { error: 'invalid_callflow', reason });
    });
  }
}
