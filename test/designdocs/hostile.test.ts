// Customer code is hostile until proven otherwise: it must not reach the
// host, stall the server, or change what other accounts' functions see.
import test from 'ava';
import { deployedCouch, storeFunction, unique, type TestCouch } from '../helpers/couch.js';
import { showCallers } from '../helpers/show-callers.js';

let couch: TestCouch;
test.before(async () => { couch = await deployedCouch(); });
const callers = showCallers();
test.after.always(async () => {
  await Promise.all(callers.map((c) => c.close()));
  await couch?.stop();
});

// every engine that runs the show must pass the same suite
for (const via of callers) {

  const reply = (expr: string) => `return {module: 'tts', data: {text: String(${expr})}};`;

  for (const [what, body, expected] of [
    ['process', reply('typeof process'), 'undefined'],
    ['require', reply('typeof require === "function" ? require("child_process") : "none"'), 'none'],
    ['process through this.constructor.constructor', reply("this.constructor.constructor('return typeof process')()"), 'undefined'],
    ['process through call.constructor.constructor', reply("typeof call.constructor.constructor('return this')().process"), 'undefined'],
    ['the show helpers through arguments.callee.caller',
      reply("(function (f) { try { return f.caller == null ? 'none' : String(f.caller); } catch (e) { return 'none'; } })(arguments.callee)"), 'none']
  ] as const) {
    test(via.title(`cannot reach ${what}`), async (t) => {
      const id = await storeFunction(couch, unique('evil'), { function_js: body });
      const { status, body: answer } = await via.call(couch, id);
      t.is(status, 200, JSON.stringify(answer));
      t.is(answer.data.text, expected);
    });
  }

  test(via.title('an endless loop is stopped and the others keep answering meanwhile'), async (t) => {
    const loop = await storeFunction(couch, unique('evil'), { function_js: 'while (true) {}' });
    const good = await storeFunction(couch, unique('good'), { function_js: reply("'fine'") });
    let loopEnded = false;
    const looping = via.call(couch, loop).finally(() => { loopEnded = true; });
    await new Promise((r) => setTimeout(r, 200));
    const other = await via.call(couch, good);
    t.is(other.status, 200, 'another function answers while the loop runs');
    t.false(loopEnded, 'without waiting for the loop to be stopped');
    const stopped = await looping;
    t.is(stopped.status, 500, 'the loop is stopped by the engine\'s time limit');
    t.is((await via.call(couch, good)).status, 200, 'the server still answers afterwards');
  });

  test(via.title('a memory bomb fails alone'), async (t) => {
    const bomb = await storeFunction(couch, unique('evil'), {
      function_js: "var a = []; while (true) { a.push(new Array(100000).join('x') + a.length); }"
    });
    const good = await storeFunction(couch, unique('good'), { function_js: reply("'fine'") });
    const answer = await via.call(couch, bomb);
    t.is(answer.status, 500);
    t.true(['function_error', 'os_process_error', 'out_of_memory'].includes(answer.body.error), answer.text);
    t.is((await via.call(couch, good)).status, 200);
  });

  test(via.title('polluting built-ins or globals does not change another account\'s function'), async (t) => {
    const polluter = await storeFunction(couch, unique('evil'), {
      function_js: [
        "Object.prototype.polluted = 'yes';",
        "JSON.stringify = function () { return '{\"module\":\"tts\",\"data\":{\"text\":\"hijacked\"}}'; };",
        "Array.prototype.join = function () { return 'hijacked'; };",
        "String.prototype.toUpperCase = function () { return 'hijacked'; };",
        'stolen = call; isArray = function () { return true; };',
        "try { Object.defineProperty(Object.prototype, 'sneaky', {get: function () { return 'yes'; }}); } catch (e) {}",
        "return {module: 'tts', data: {text: 'done'}};"
      ].join('\n')
    });
    const victim = await storeFunction(couch, unique('victim'), {
      function_js: reply("[String(({}).polluted), String(({}).sneaky), typeof stolen, JSON.stringify({a: 1}), ['a', 'b'].join('-'), 'x'.toUpperCase()].join('|')")
    });
    // in turn, so that on every engine they share one process at least once
    for (let i = 0; i < 4; i++) {
      t.is((await via.call(couch, polluter, 'Caller-ID-Number=5551234')).status, 200);
      const { status, body } = await via.call(couch, victim);
      t.is(status, 200);
      t.is(body.data.text, 'undefined|undefined|undefined|{"a":1}|a-b|X');
    }
  });

  test(via.title('a call sees only its own parameters'), async (t) => {
    const id = await storeFunction(couch, unique('acct'), { function_js: "seen = (typeof seen === 'undefined' ? '' : seen) + call.To; return {module:'tts',data:{text:seen}};" });
    t.is((await via.call(couch, id, 'To=1')).body.data.text, '1');
    t.is((await via.call(couch, id, 'To=2')).body.data.text, '2');
  });
}
