// One QuickJS runtime (the engine CouchDB 3.4 can run) serving show calls
// one at a time, like a couchjs process; a show worker holds one. Customer
// code never touches Node: it sees only what is defined inside QuickJS.
import { performance } from 'node:perf_hooks';
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime, type QuickJSWASMModule } from 'quickjs-emscripten';
import type { ShowJob, ShowOutcome, ShowWorkerOptions } from './show-protocol.js';

const STACK_BYTES = 1024 * 1024;
// how long building a context, compiling the show or parsing a doc may take
const SETUP_MS = 10_000;
// the req of a show's first run, which has no document
const WARM_REQ = '{}';

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

export interface SandboxOptions extends ShowWorkerOptions {
  /** called now and then while a call runs (from QuickJS's interrupt check) */
  onTick?: () => void;
  /** called when a call's setup is done and the show itself starts */
  onCallStart?: () => void;
}

// Node has WebAssembly; the ES lib this project compiles with does not type it
type WasmMemory = NonNullable<Parameters<typeof newVariant>[1]['wasmMemory']>;
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: new (size: { initial: number; maximum: number }) => WasmMemory } }).WebAssembly;

const PAGE_BYTES = 65536;
// what the engine itself needs beside the runtime's limit: its static data and
// stack, and the contexts a worker keeps (100 take about 12 MB)
const ENGINE_RESERVE_BYTES = 32 * 1024 * 1024;

/** A QuickJS module whose whole WebAssembly memory is capped near the runtime's
 * limit. That limit alone bounds the number of blocks, not their size: under
 * Emscripten QuickJS counts every block as a few bytes (no malloc_usable_size,
 * quickjs-emscripten#271), so strings of a megabyte each could grow a worker
 * to 2 GB under a 64 MB limit. Past the cap malloc fails, and QuickJS throws
 * "out of memory" as it does at its own limit. One module per worker. */
export function cappedQuickJS(memoryLimitBytes: number): Promise<QuickJSWASMModule> {
  const initial = 256; // Emscripten's own start: 16 MB
  const maximum = Math.max(initial, Math.ceil((memoryLimitBytes + ENGINE_RESERVE_BYTES) / PAGE_BYTES));
  return newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmMemory: new Memory({ initial, maximum }) }));
}

// contexts kept in `function` isolation, least recently used out first: each
// takes about 120 KB, within ENGINE_RESERVE_BYTES
const MAX_CONTEXTS = 100;

const OUT_OF_MEMORY = /out of memory/i;

/** The Emscripten allocator QuickJS itself allocates from, one per worker. */
interface Heap { _malloc(bytes: number): number; _free(pointer: number): void }

/** quickjs-emscripten (0.32, pinned) keeps its Emscripten module in a field
 * its types call protected; the worker needs only its malloc and free. */
function heapOf(quickjs: QuickJSWASMModule): Heap {
  const module = (quickjs as unknown as { module?: Partial<Heap> }).module;
  if (typeof module?._malloc !== 'function' || typeof module._free !== 'function') {
    throw new Error('this quickjs-emscripten does not expose its heap: the show worker cannot check that a call has room');
  }
  return module as Heap;
}

/** The call ran out of memory: the sandbox's failure, or the show's own
 * answer to an error it caught (the show answers 500 with the reason). */
function outOfMemory(outcome: ShowOutcome): boolean {
  if (!outcome.ok) return (outcome.failure === 'memory' || outcome.failure === 'setup' || outcome.failure === 'fatal') && OUT_OF_MEMORY.test(outcome.message);
  return outcome.result !== undefined && outcome.result.startsWith('{"code":500') && OUT_OF_MEMORY.test(outcome.result);
}

function evalOrThrow(vm: QuickJSContext, code: string): QuickJSHandle {
  return vm.unwrapResult(vm.evalCode(code));
}

function dispose(box: Box): void {
  for (const show of box.shows.values()) show.dispose();
  box.doc?.handle.dispose();
  box.parseDoc.dispose();
  box.invoker.dispose();
  box.vm.dispose();
}

/** The runtime (one heap, one memory limit) and its contexts: one shared by
 * every call (as a couchjs process), or one per `job.context` (a function
 * revision), or a new one per call. Opened at the first call, and again after
 * anything that ends it. */
export class ShowSandbox {
  private runtime: QuickJSRuntime | null = null;
  private shared: Box | null = null;
  private readonly contexts = new Map<string, Box>();
  /** design doc id -> the revision whose shows this runtime has compiled */
  private readonly revisions = new Map<string, string>();
  private deadline = 0;
  /** calls the runtime has run, and whether the last call met one that had run others */
  private served = 0;
  private sharedRun = false;
  /** freeing the runtime failed: its heap may be corrupt, and the worker must go */
  private heapBroken = false;
  private readonly heap: Heap;
  /** what a call finds free in the heap before it starts, at least */
  private readonly roomBytes: number;

  /** No call may run here any more: the worker ends after its answer. */
  get broken(): boolean {
    return this.heapBroken;
  }

  constructor(private readonly quickjs: QuickJSWASMModule, private readonly options: SandboxOptions) {
    this.heap = heapOf(quickjs);
    this.roomBytes = Math.floor(options.memoryLimitBytes / 2);
  }

  /** Whether a block of `roomBytes` can be had from the heap now (it is freed at once). */
  private hasRoom(): boolean {
    const pointer = this.heap._malloc(this.roomBytes);
    if (pointer === 0) return false;
    this.heap._free(pointer);
    return true;
  }

  /** What earlier calls left must not starve this one, even one that would
   * catch running out of memory and answer a fallback (never checked, never
   * rerun): garbage in cycles QuickJS has not collected can fill the heap
   * that every context of the worker shares. A heap without room for a call
   * loses its runtime, and everything in it, before the call, as a fresh
   * couchjs process would start. Null when the call may go on. */
  private unready(job: ShowJob): ShowOutcome | null {
    if (job.fresh && this.served > 0) this.close();
    if (!this.heapBroken && this.hasRoom()) return null;
    this.close();
    if (!this.heapBroken && this.hasRoom()) return null;
    // a heap that freeing cannot empty, or a runtime that could not be freed:
    // the call runs again in a new worker (or, there already, gives up unblamed)
    return { ok: false, failure: job.fresh ? 'setup' : 'rerun', message: 'the show worker has no room left for a call: it is replaced' };
  }

  /** Runs one call; `source` is the show's, if the caller has it (else a
   * context that has not compiled it answers `resend`). A failure of the
   * runtime itself, or work left queued (promise jobs that would keep memory
   * or run later), ends the runtime: the next call gets a fresh one, as
   * CouchDB restarts a couchjs process. */
  call(job: ShowJob, source: string | undefined): ShowOutcome {
    const unready = this.unready(job);
    if (unready) return unready;
    let outcome: ShowOutcome;
    try {
      outcome = this.run(job, source);
    } catch (err) {
      outcome = { ok: false, failure: 'crashed', message: (err as Error).message };
    }
    // What other calls keep in a runtime (compiled functions, contexts) uses
    // its memory too: running out there, or the crash a full heap can cause
    // while a context is built, proves nothing against this call.
    if (this.sharedRun && (outOfMemory(outcome) || (!outcome.ok && outcome.failure === 'crashed'))) {
      this.close();
      return { ok: false, failure: 'rerun', message: `failed in a runtime other calls had used: ${outcome.ok ? 'out of memory' : outcome.message}` };
    }
    if (!this.sharedRun) outcome.own = true;
    const broken = !outcome.ok && outcome.failure !== 'render_error' && outcome.failure !== 'compilation_error' && outcome.failure !== 'resend';
    let leftovers = false;
    try {
      leftovers = this.runtime?.hasPendingJob() ?? false;
    } catch {
      leftovers = true;
    }
    if (broken || leftovers) this.close();
    else this.dropCallContexts();
    return outcome;
  }

  // What CouchDB does when it kills a couchjs process: nothing of it survives.
  private close(): void {
    this.revisions.clear();
    this.served = 0;
    const runtime = this.runtime;
    if (!runtime) return;
    this.runtime = null;
    const boxes = [...(this.shared ? [this.shared] : []), ...this.contexts.values()];
    this.shared = null;
    this.contexts.clear();
    try {
      for (const box of boxes) dispose(box);
      runtime.dispose();
    } catch {
      // QuickJS aborted while freeing (a heap filled to the last byte can
      // leave it inconsistent): nothing more runs in this worker
      this.heapBroken = true;
    }
  }

  /** A new runtime, or the sandbox's failure (never a call's) if none can be had. */
  private opened(): QuickJSRuntime | ShowOutcome {
    if (this.heapBroken) return { ok: false, failure: 'setup', message: 'the show worker could not free its last runtime: it is replaced' };
    try {
      return (this.runtime = this.open());
    } catch (err) {
      this.heapBroken = true;
      return { ok: false, failure: 'setup', message: `the sandbox could not open a runtime: ${(err as Error).message}` };
    }
  }

  private open(): QuickJSRuntime {
    const runtime = this.quickjs.newRuntime();
    runtime.setMemoryLimit(this.options.memoryLimitBytes);
    runtime.setMaxStackSize(STACK_BYTES);
    const tick = this.options.onTick ?? (() => undefined);
    runtime.setInterruptHandler(() => {
      tick();
      return performance.now() > this.deadline;
    });
    return runtime;
  }

  private newBox(runtime: QuickJSRuntime): Box {
    const vm = runtime.newContext();
    evalOrThrow(vm, COUCH_GLOBALS).dispose();
    evalOrThrow(vm, COUCH_REALM).dispose();
    const invoker = evalOrThrow(vm, INVOKER);
    const parseDoc = evalOrThrow(vm, PARSE_DOC);
    if (!this.options.allowEval) evalOrThrow(vm, BLOCK_EVAL).dispose();
    return { vm, invoker, parseDoc, shows: new Map() };
  }

  /** The context a job runs in, by the isolation. */
  private boxFor(runtime: QuickJSRuntime, job: ShowJob): Box {
    const isolation = this.options.isolation ?? 'shared';
    if (isolation === 'shared' || job.context === undefined) return (this.shared ??= this.newBox(runtime));
    if (isolation === 'call') {
      // kept in `contexts` only for this call, so that close() can always free it
      const once = this.newBox(runtime);
      this.contexts.set(job.context, once);
      return once;
    }
    const known = this.contexts.get(job.context);
    if (known) {
      this.contexts.delete(job.context);
      this.contexts.set(job.context, known);
      return known;
    }
    if (this.contexts.size >= MAX_CONTEXTS) {
      const [oldest, evicted] = this.contexts.entries().next().value as [string, Box];
      this.contexts.delete(oldest);
      dispose(evicted);
    }
    const fresh = this.newBox(runtime);
    this.contexts.set(job.context, fresh);
    return fresh;
  }

  private failureOf(vm: QuickJSContext, error: QuickJSHandle): ShowOutcome {
    // QuickJS throws null when the runtime is out of memory, and dumping may
    // itself fail then
    let message = 'InternalError: out of memory';
    try {
      const dumped = vm.dump(error) as { name?: string; message?: string } | string | unknown[] | null;
      // what CouchDB's query server does with a thrown ['fatal', error, reason]
      if (Array.isArray(dumped) && dumped.length === 3 && dumped[0] === 'fatal') {
        return { ok: false, failure: 'fatal', error: String(dumped[1]), message: String(dumped[2]) };
      }
      if (dumped !== null && dumped !== undefined) {
        const thrown = dumped as { name?: string; message?: string } | string;
        message = typeof thrown === 'object' ? `${thrown.name ?? 'Error'}: ${thrown.message ?? ''}` : String(thrown);
      }
    } catch {
      // keep "out of memory"
    } finally {
      error.dispose();
    }
    if (/interrupted/.test(message)) return { ok: false, failure: 'timeout', message: 'OS process timed out.' };
    if (/out of memory|stack overflow/i.test(message)) {
      return { ok: false, failure: 'memory', message: `${message} (the limit is ${Math.round(this.options.memoryLimitBytes / 1048576)} MB)` };
    }
    return { ok: false, failure: 'render_error', message };
  }

  /** A failure before the show was called: the code's own error keeps its
   * kind (`render_error` becomes `as`); running out of time or memory there
   * is the sandbox's (`setup`), never the function's. */
  private setupFailure(outcome: ShowOutcome, as: 'compilation_error' | 'setup'): ShowOutcome {
    if (outcome.ok) return outcome;
    if (outcome.failure === 'render_error') return { ...outcome, failure: as };
    return { ok: false, failure: 'setup', message: `the sandbox could not get the call ready: ${outcome.message}` };
  }

  private compiled(box: Box, job: ShowJob, source: string | undefined): QuickJSHandle | ShowOutcome {
    const known = box.shows.get(job.key);
    if (known) return known;
    if (source === undefined) return { ok: false, failure: 'resend', message: `show ${job.key} is not known here` };
    const result = box.vm.evalCode(`(${source})`, job.key);
    if (result.error) return this.setupFailure(this.failureOf(box.vm, result.error), 'compilation_error');
    box.shows.set(job.key, result.value);
    // A first run with no document (as CouchDB runs a show for a missing
    // one) does wh's first work, locking the realm down, and runs no
    // customer code: it is the sandbox's setup, not part of a call's time.
    // A show that throws on it simply starts cold; one that runs out of
    // time or memory leaves a runtime no call should meet.
    const req = box.vm.newString(WARM_REQ);
    const warm = box.vm.callFunction(box.invoker, box.vm.undefined, result.value, box.vm.null, req);
    req.dispose();
    if (!warm.error) warm.value.dispose();
    else {
      const failure = this.failureOf(box.vm, warm.error);
      if (!failure.ok && failure.failure !== 'render_error') return this.setupFailure(failure, 'setup');
    }
    return result.value;
  }

  private run(job: ShowJob, source: string | undefined): ShowOutcome {
    // A new revision of a design doc gets a fresh runtime, as a restarted
    // couchjs would: its lockdown must not meet a realm the old one froze.
    const parts = job.key.split('/');
    const [ddocId, rev] = parts.length >= 3 ? [parts.slice(0, -2).join('/'), parts[parts.length - 2]] : [job.key, ''];
    if (this.revisions.has(ddocId) && this.revisions.get(ddocId) !== rev) this.close();
    const runtime = this.runtime ?? this.opened();
    if ('ok' in runtime) return runtime;
    this.sharedRun = this.served++ > 0;
    this.revisions.set(ddocId, rev);
    // building a context, compiling the show and parsing the doc are the
    // sandbox's work, not the function's: the call's limit starts when the
    // show is called
    this.deadline = performance.now() + SETUP_MS;
    const box = this.boxFor(runtime, job);
    const show = this.compiled(box, job, source);
    if ('ok' in show) return show;
    const doc = this.parsedDoc(box, job.doc);
    if ('ok' in doc) return this.setupFailure(doc, 'setup');
    const req = box.vm.newString(job.req);
    this.options.onCallStart?.();
    this.deadline = performance.now() + job.timeoutMs;
    try {
      const result = box.vm.callFunction(box.invoker, box.vm.undefined, show, doc, req);
      if (result.error) return this.failureOf(box.vm, result.error);
      const text = box.vm.typeof(result.value) === 'string' ? box.vm.getString(result.value) : undefined;
      result.value.dispose();
      return { ok: true, result: text };
    } finally {
      req.dispose();
    }
  }

  /** The job's doc in the box's context: the one kept when the text is the same. */
  private parsedDoc(box: Box, text: string | null): QuickJSHandle | ShowOutcome {
    if (text === null) return box.vm.null;
    if (box.doc?.text === text) return box.doc.handle;
    const json = box.vm.newString(text);
    const parsed = box.vm.callFunction(box.parseDoc, box.vm.undefined, json);
    json.dispose();
    if (parsed.error) return this.failureOf(box.vm, parsed.error);
    box.doc?.handle.dispose();
    box.doc = { text, handle: parsed.value };
    return parsed.value;
  }

  /** In `call` isolation, the call's context goes with the call. */
  private dropCallContexts(): void {
    if (this.options.isolation !== 'call') return;
    for (const box of this.contexts.values()) dispose(box);
    this.contexts.clear();
  }
}
