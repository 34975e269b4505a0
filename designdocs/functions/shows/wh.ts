// GET /functions/_design/functions/_show/wh/{id}?{call}: runs the function doc's
// function_js as the body of function(call){...} and answers its callflow.
// Every answer is JSON with a status a caller can act on.
import { decodeCall, Call } from '../lib/call';
import { callflowProblem } from '../lib/callflow';
import { globalObject, hardenOnce, snapshotGlobals, restoreGlobals } from '../lib/harden';

interface ShowResponse { code: number; json: unknown }
interface Outcome { value?: unknown; error?: string }

var MAX_MESSAGE = 500;

function answer(code: number, error: string, reason: string): ShowResponse {
  return { code: code, json: { error: error, reason: reason } };
}

function messageOf(thrown: any): string {
  var text;
  try {
    text = thrown instanceof Error ? thrown.name + ': ' + thrown.message : String(thrown);
  } catch (e) {
    text = 'the function threw a value that cannot be shown';
  }
  return text.length > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE) + '...' : text;
}

// Runs customer code. Helpers stay out of its reach: Function-made code sees
// only globals, this show is strict (no `arguments.callee.caller` path back),
// and `this` is a fresh object rather than the global.
function runFunction(global: any, body: string, call: Call): Outcome {
  var stringify = JSON.stringify;
  var parse = JSON.parse;
  var before = snapshotGlobals(global);
  try {
    var fn = Function('call', body);
    var result = fn.call({}, call);
    // A plain copy, taken now: getters or toJSON in the result run here,
    // inside the guard, never later in the query server.
    return { value: result === undefined ? undefined : parse(stringify(result)) };
  } catch (e) {
    return { error: messageOf(e) };
  } finally {
    restoreGlobals(global, before);
  }
}

export default function wh(doc: any, req: any): ShowResponse {
  var global;
  try {
    global = globalObject();
  } catch (e) {
    return answer(500, 'eval_blocked', 'this CouchDB blocks new Function; run CouchDB 3.4+ with QuickJS or couchjs with --eval');
  }
  hardenOnce(global);
  if (!doc) return answer(404, 'not_found', 'function not found');
  if (doc.pvt_type !== 'function' || typeof doc.function_js !== 'string') {
    return answer(404, 'not_found', 'not a function document');
  }
  if (doc.enabled === false) {
    return answer(423, 'disabled', doc.pvt_disable_reason || 'function is disabled');
  }
  var outcome = runFunction(global, doc.function_js, decodeCall(req.raw_path || ''));
  if (outcome.error !== undefined) return answer(500, 'function_error', outcome.error);
  var problem = callflowProblem(outcome.value);
  if (problem) return answer(500, 'invalid_callflow', problem);
  return { code: 200, json: outcome.value };
}
