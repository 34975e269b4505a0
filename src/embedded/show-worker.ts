// One show worker: a QuickJS runtime (the engine CouchDB 3.4 can run) that
// serves show requests one at a time, like a couchjs process. Customer code
// never touches Node: it sees only what is defined inside QuickJS.
import { parentPort, workerData } from 'node:worker_threads';
import { getQuickJS, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten';
import type { ShowJob, ShowOutcome, ShowWorkerOptions } from './show-protocol.js';

const options = workerData as ShowWorkerOptions;
const QuickJS = await getQuickJS();
const STACK_BYTES = 1024 * 1024;

// Called with the compiled show, the doc (parsed by PARSE_DOC) and req as
// JSON text. Built before any show runs, so it holds the real JSON functions
// whatever shows do later.
const INVOKER = `(function () {
  var parse = JSON.parse, stringify = JSON.stringify;
  return function (show, doc, req) {
    var result = show.call({}, doc, parse(req));
    return result === undefined ? undefined : stringify(result);
  };
})()`;

// A doc is parsed once per context and kept for the calls that send the same
// text (a context serves one function revision): frozen, so that a call
// cannot leave anything on it for the next.
const PARSE_DOC = `(function () {
  var parse = JSON.parse, freeze = Object.freeze, keys = Object.keys;
  function deepFreeze(value) {
    if (value === null || typeof value !== 'object') return value;
    var names = keys(value);
    for (var i = 0; i < names.length; i++) deepFreeze(value[names[i]]);
    return freeze(value);
  }
  return function (text) { return deepFreeze(parse(text)); };
})()`;

// The names CouchDB's query server puts on a show's global (create_sandbox in
// share/server), so that the show's lockdown meets here what it meets there.
const COUCH_GLOBALS = `
  var log = function () {};
  var isArray = function (value) { return Object.prototype.toString.call(value) === '[object Array]'; };
  var toJSON = function (value) { return JSON.stringify(value); };
  var sum = function (values) { var total = 0; for (var i = 0; i < values.length; i++) total += values[i]; return total; };
  var emit = function () {};
  var provides = function () {};
  var registerType = function () {};
  var start = function () {};
  var send = function () {};
  var getRow = function () { return null; };
  var require = function (path) { throw ['error', 'invalid_require_path', 'Object has no property "' + path + '"']; };`;

// CouchDB 3.4's QuickJS realm has base objects, JSON, RegExp, Map/Set and
// Date only. The rest goes here too: typed arrays escape the runtime's
// memory limit, and Proxy and Promise are not there on CouchDB either.
const COUCH_REALM = `(function (g) {
  var absent = ['Proxy', 'Promise', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Atomics', 'WeakRef', 'FinalizationRegistry',
    'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
    'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'WebAssembly'];
  for (var i = 0; i < absent.length; i++) delete g[absent[i]];
})(globalThis)`;

// As SpiderMonkey without --eval: any road to compiling code at run time throws.
const BLOCK_EVAL = `(function () {
  var blocked = function () { throw new EvalError('call to Function() blocked by CSP'); };
  blocked.prototype = Function.prototype;
  Object.defineProperty(Function.prototype, 'constructor', { value: blocked });
  Function = blocked;
  eval = function () { throw new EvalError('call to eval() blocked by CSP'); };
})()`;

// A context with CouchDB's globals, the invoker and the shows compiled in it,
// and the doc of its last call, parsed.
interface Box { vm: QuickJSContext; invoker: QuickJSHandle; parseDoc: QuickJSHandle; shows: Map<string, QuickJSHandle>; doc?: { text: string; handle: QuickJSHandle } }
// The runtime (one heap, one memory limit) and its contexts: one shared by
// every call (as a couchjs process), or one per `job.context` (a function
// revision), or a new one per call.
interface Sandbox { runtime: QuickJSRuntime; shared: Box | null; contexts: Map<string, Box> }
let sandbox: Sandbox | null = null;
let deadline = 0;
// contexts kept per worker in `function` isolation, least recently used out
// first: each takes about 200 KB of the runtime's memory limit
const MAX_CONTEXTS = 100;

function evalOrThrow(vm: QuickJSContext, code: string): QuickJSHandle {
  return vm.unwrapResult(vm.evalCode(code));
}

function open(): Sandbox {
  const runtime = QuickJS.newRuntime();
  runtime.setMemoryLimit(options.memoryLimitBytes);
  runtime.setMaxStackSize(STACK_BYTES);
  runtime.setInterruptHandler(() => Date.now() > deadline);
  return { runtime, shared: null, contexts: new Map() };
}

function newBox(runtime: QuickJSRuntime): Box {
  const vm = runtime.newContext();
  deadline = Date.now() + 10_000;
  evalOrThrow(vm, COUCH_GLOBALS).dispose();
  evalOrThrow(vm, COUCH_REALM).dispose();
  const invoker = evalOrThrow(vm, INVOKER);
  const parseDoc = evalOrThrow(vm, PARSE_DOC);
  if (!options.allowEval) evalOrThrow(vm, BLOCK_EVAL).dispose();
  return { vm, invoker, parseDoc, shows: new Map() };
}

function dispose(box: Box): void {
  for (const show of box.shows.values()) show.dispose();
  box.doc?.handle.dispose();
  box.parseDoc.dispose();
  box.invoker.dispose();
  box.vm.dispose();
}

/** The context a job runs in, by the worker's isolation. */
function boxFor(box: Sandbox, job: ShowJob): Box {
  const isolation = options.isolation ?? 'shared';
  if (isolation === 'shared' || job.context === undefined) return (box.shared ??= newBox(box.runtime));
  if (isolation === 'call') {
    // kept in `contexts` only for this call, so that close() can always free it
    const once = newBox(box.runtime);
    box.contexts.set(job.context, once);
    return once;
  }
  const known = box.contexts.get(job.context);
  if (known) {
    box.contexts.delete(job.context);
    box.contexts.set(job.context, known);
    return known;
  }
  if (box.contexts.size >= MAX_CONTEXTS) {
    const [oldest, evicted] = box.contexts.entries().next().value as [string, Box];
    box.contexts.delete(oldest);
    dispose(evicted);
  }
  const fresh = newBox(box.runtime);
  box.contexts.set(job.context, fresh);
  return fresh;
}

// What CouchDB does when it kills a couchjs process: nothing of it survives.
function close(): void {
  revisions.clear();
  if (!sandbox) return;
  const old = sandbox;
  sandbox = null;
  try {
    if (old.shared) dispose(old.shared);
    for (const box of old.contexts.values()) dispose(box);
    old.runtime.dispose();
  } catch {
    // a runtime that ran out of memory may not free cleanly; it is dropped all the same
  }
}

function failureOf(vm: QuickJSContext, error: QuickJSHandle): ShowOutcome {
  // QuickJS throws null when the runtime is out of memory, and dumping may
  // itself fail then
  let message = 'InternalError: out of memory';
  try {
    const dumped = vm.dump(error) as { name?: string; message?: string } | string | null;
    if (dumped !== null && dumped !== undefined) {
      message = typeof dumped === 'object' ? `${dumped.name ?? 'Error'}: ${dumped.message ?? ''}` : String(dumped);
    }
  } catch {
    // keep "out of memory"
  } finally {
    error.dispose();
  }
  if (/interrupted/.test(message)) return { ok: false, failure: 'timeout', message: 'OS process timed out.' };
  if (/out of memory|stack overflow/i.test(message)) {
    return { ok: false, failure: 'memory', message: `${message} (the limit is ${Math.round(options.memoryLimitBytes / 1048576)} MB)` };
  }
  return { ok: false, failure: 'render_error', message };
}

// show sources by key: the engine sends each only once to a worker
const sources = new Map<string, string>();

function compiled(box: Box, job: ShowJob): QuickJSHandle | ShowOutcome {
  const known = box.shows.get(job.key);
  if (known) return known;
  const source = sources.get(job.key);
  if (source === undefined) return { ok: false, failure: 'resend', message: `show ${job.key} is not known here` };
  const result = box.vm.evalCode(`(${source})`, job.key);
  if (result.error) return { ...failureOf(box.vm, result.error), failure: 'compilation_error' } as ShowOutcome;
  box.shows.set(job.key, result.value);
  return result.value;
}

// design doc id -> the revision whose shows this runtime has compiled
const revisions = new Map<string, string>();

function run(job: ShowJob): ShowOutcome {
  // A new revision of a design doc gets a fresh runtime, as a restarted
  // couchjs would: its lockdown must not meet a realm the old one froze.
  const [ddocId, rev] = job.key.split('/').length >= 3 ? [job.key.split('/').slice(0, -2).join('/'), job.key.split('/').slice(-2)[0]] : [job.key, ''];
  if (revisions.has(ddocId) && revisions.get(ddocId) !== rev) close();
  sandbox ??= open();
  revisions.set(ddocId, rev);
  const box = boxFor(sandbox, job);
  deadline = Date.now() + job.timeoutMs;
  const show = compiled(box, job);
  if ('ok' in show) return show;
  const doc = parsedDoc(box, job.doc);
  if ('ok' in doc) return doc;
  const req = box.vm.newString(job.req);
  try {
    const result = box.vm.callFunction(box.invoker, box.vm.undefined, show, doc, req);
    if (result.error) return failureOf(box.vm, result.error);
    const text = box.vm.typeof(result.value) === 'string' ? box.vm.getString(result.value) : undefined;
    result.value.dispose();
    return { ok: true, result: text };
  } finally {
    req.dispose();
  }
}

/** The job's doc in the box's context: the one kept when the text is the same. */
function parsedDoc(box: Box, text: string | null): QuickJSHandle | ShowOutcome {
  if (text === null) return box.vm.null;
  if (box.doc?.text === text) return box.doc.handle;
  const json = box.vm.newString(text);
  const parsed = box.vm.callFunction(box.parseDoc, box.vm.undefined, json);
  json.dispose();
  if (parsed.error) return failureOf(box.vm, parsed.error);
  box.doc?.handle.dispose();
  box.doc = { text, handle: parsed.value };
  return parsed.value;
}

/** In `call` isolation, the call's context goes with the call. */
function dropCallContexts(): void {
  if (options.isolation !== 'call' || !sandbox) return;
  for (const box of sandbox.contexts.values()) dispose(box);
  sandbox.contexts.clear();
}

// A batch of one account's calls, run and answered one by one.
parentPort!.on('message', (jobs: ShowJob[]) => {
  for (const job of jobs) {
    const outcome = answer(job);
    // the engine replaces this worker and sends the rest elsewhere
    if (!outcome.ok && (outcome.failure === 'crashed' || outcome.failure === 'memory')) break;
  }
});

function answer(job: ShowJob): ShowOutcome {
  if (job.source !== undefined) {
    // a few design doc revisions are kept; one let go is sent again on request
    if (sources.size >= 8) sources.delete(sources.keys().next().value!);
    sources.set(job.key, job.source);
  }
  let outcome: ShowOutcome;
  try {
    outcome = run(job);
  } catch (err) {
    outcome = { ok: false, failure: 'crashed', message: (err as Error).message };
  }
  // A failure of the runtime itself, or work left queued (promise jobs that
  // would keep memory or run later), ends the runtime: the next call gets a
  // fresh one, as CouchDB restarts a couchjs process.
  const broken = !outcome.ok && outcome.failure !== 'render_error' && outcome.failure !== 'compilation_error' && outcome.failure !== 'resend';
  let leftovers = false;
  try {
    leftovers = sandbox?.runtime.hasPendingJob() ?? false;
  } catch {
    leftovers = true;
  }
  if (broken || leftovers) close();
  else dropCallContexts();
  parentPort!.postMessage({ id: job.id, outcome });
  return outcome;
}

// Ready: only now does the engine send calls, so that a worker's start, slow
// on a busy machine, never counts against a call's time limit.
parentPort!.postMessage({ ready: true });
