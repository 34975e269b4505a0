// GET /functions/_design/functions/_show/wh/{id}?{call}: runs the function doc's
// function_js as the body of function(call){...} and answers its callflow.
// Every answer is JSON with a status a caller can act on; what the function
// logged travels in a header (lib/console), never in the body.
import { decodeCall } from '../lib/call';
import { callflowProblem } from '../lib/callflow';
import { logLimits, openCapture, type LogHeader } from '../lib/console';
import { FunctionCtor, hasOwn, regExpExec, StringCtor } from '../lib/intrinsics';
import { enterCustomerCode, leaveCustomerCode, lockdown } from '../lib/lockdown';
import { plainResult } from '../lib/plain';
import { compiledFunction, forgetCompiled, runCompiled, scopeValues } from '../lib/scope';

interface ShowResponse { code: number; json: unknown; headers?: { [name: string]: string } }
interface Outcome { value?: unknown; error?: string; problem?: string; logs: LogHeader | null }

var MAX_MESSAGE = 500;
// file paths and stack frames of the server, which an error must not show
var SERVER_PATHS = /(?:[A-Za-z]:)?(?:[\\\/][\w.@-]+)+\.(?:js|mjs|c)\b(?::\d+)*/g;

function withLogs(response: ShowResponse, logs: LogHeader | null): ShowResponse {
  if (logs) {
    response.headers = {};
    response.headers[logs.name] = logs.value;
  }
  return response;
}

function answer(code: number, error: string, reason: string, logs?: LogHeader | null): ShowResponse {
  return withLogs({ code: code, json: { error: error, reason: reason } }, logs || null);
}

// QuickJS names code built by new Function "<input>", the body starting on
// its third line: the innermost such frame is where the function failed.
// Other engines' stacks say nothing here, and no line is given.
var CUSTOMER_FRAME = /\(<input>:(\d+):\d+\)/;

function lineOf(thrown: any): string {
  var stack = typeof thrown === 'object' ? thrown.stack : undefined;
  var frame = typeof stack === 'string' ? regExpExec(CUSTOMER_FRAME, stack) : null;
  return frame && +frame[1] > 2 ? ' (line ' + (+frame[1] - 2) + ')' : '';
}

// Read inside the customer span: a thrown object's getters are its code.
function messageOf(thrown: any): string {
  var text;
  // QuickJS throws null when a runtime runs out of memory
  if (thrown === null) return 'out of memory (or the function threw null)';
  try {
    text = thrown !== null && typeof thrown === 'object' && typeof thrown.message === 'string'
      ? StringCtor(thrown.name || 'Error') + ': ' + thrown.message + lineOf(thrown)
      : StringCtor(thrown);
  } catch (e) {
    text = 'the function threw a value that cannot be shown';
  }
  text = text.replace(SERVER_PATHS, '<server>');
  if (/^ReferenceError: /.test(text) && / (is )?not defined/.test(text)) text += ' (declare it with var: functions cannot read or create shared globals)';
  return text.length > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE) + '...' : text;
}

var OUT_OF_MEMORY = /^(InternalError: )?out of memory/;

// Room for 16 MB (a quarter of CouchDB's default limit) after a failed run.
// Where there is none, what fills the process outlives the call (garbage in
// cycles, which QuickJS collects only when it makes an object past a
// threshold, and never again once a collection found the heap over two
// thirds full): later calls there would fail too, whoever's, so the show
// ends the process as the query server lets it ('fatal'), and CouchDB starts
// a fresh one. A function that only throws an error saying it ran out finds
// room, and ends nothing.
var PROBE_CHUNK = 4096;
var PROBE_CHUNKS = 4096;

function roomLeft(): boolean {
  try {
    var chunk = 'x';
    while (chunk.length < PROBE_CHUNK) chunk += chunk;
    // joined, not concatenated: engines keep a concatenation as a rope of its parts
    var parts: string[] = [];
    parts.length = PROBE_CHUNKS + 1;
    return parts.join(chunk).length === PROBE_CHUNK * PROBE_CHUNKS;
  } catch (e) {
    return false;
  }
}

// Everything that may run customer code (the body, and getters or toJSON in
// what it returns or throws) runs inside the customer span.
function runFunction(doc: any, call: unknown, entropy: string, req: any): Outcome {
  var capture = openCapture(logLimits(req.headers));
  var outcome: Outcome;
  enterCustomerCode(entropy);
  try {
    var plain = plainResult(runCompiled(compiledFunction(doc), call, capture.console, capture.log));
    outcome = plain.problem !== undefined ? { problem: plain.problem, logs: null } : { value: plain.value, logs: null };
  } catch (e) {
    outcome = { error: messageOf(e), logs: null };
  } finally {
    leaveCustomerCode();
  }
  outcome.logs = capture.close();
  return outcome;
}

// the realm's global, found once: compiling a function to find it costs every call a parse
var realmGlobal: any;

// A function that runs published versions says which one ran; one that has
// none answers exactly as before.
function withVersion(response: ShowResponse, doc: any): ShowResponse {
  if (typeof doc.pvt_version === 'string') {
    response.headers = response.headers || {};
    response.headers['X-Function-Version'] = doc.pvt_version;
  }
  return response;
}

// The call: decoded from the query, or, from couchfn's sandbox engine,
// already decoded by this same lib/call in the proxy (a field CouchDB itself
// never sets, so a client cannot either).
function callOf(req: any): unknown {
  var decoded = hasOwn(req, 'couchfn_call') ? req.couchfn_call : undefined;
  if (typeof decoded === 'object' && decoded !== null) return decoded;
  return decodeCall(typeof req.raw_path === 'string' ? req.raw_path : '');
}

export default function wh(doc: any, req: any): ShowResponse {
  var global = realmGlobal;
  if (!global) {
    try {
      global = realmGlobal = FunctionCtor('return this')();
    } catch (e) {
      return answer(500, 'eval_blocked', 'this CouchDB blocks new Function; run CouchDB 3.4+ with QuickJS or couchjs with --eval');
    }
  }
  // never run customer code in a realm that is not locked: fail closed
  if (!lockdown(global, scopeValues)) return answer(500, 'lockdown_failed', 'this JS engine would not freeze the shared realm; functions cannot run safely here');
  if (!doc) return answer(404, 'not_found', 'function not found');
  if (doc.pvt_type !== 'function' || typeof doc.function_js !== 'string') {
    return answer(404, 'not_found', 'not a function document');
  }
  if (doc.enabled === false) {
    return answer(423, 'disabled', doc.pvt_disable_reason || 'function is disabled');
  }
  var entropy = StringCtor(req.uuid) + StringCtor(req.peer) + StringCtor(doc._rev);
  var outcome = runFunction(doc, callOf(req), entropy, req);
  var problem = outcome.error === undefined ? outcome.problem || callflowProblem(outcome.value) : null;
  var failure = outcome.error !== undefined ? outcome.error : problem;
  if (failure) endIfFull(failure);
  if (outcome.error !== undefined) return withVersion(answer(500, 'function_error', outcome.error, outcome.logs), doc);
  if (problem) return withVersion(answer(500, 'invalid_callflow', problem, outcome.logs), doc);
  return withVersion(withLogs({ code: 200, json: outcome.value }, outcome.logs), doc);
}

// After a failed call. One that ran out of memory: other accounts' compiled
// functions share this memory, and dropped, they free at once what only they
// held, for the calls to come (the call is not run again here: it would have
// only what is left of its time). Any failure, where the process has no room
// left (a function may catch running out and throw its own error): it ends,
// by the query server's own protocol, answering this call with the error.
function endIfFull(failure: string): void {
  var ranOut = regExpExec(OUT_OF_MEMORY, failure) !== null;
  if (ranOut) forgetCompiled();
  if (roomLeft()) return;
  throw ['fatal', 'out_of_memory', ranOut ? failure : 'out of memory in this process, after: ' + failure];
}
