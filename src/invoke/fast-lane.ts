// The sandbox engine's fast lane: the same show, in the same QuickJS sandbox
// as a worker's, run on the proxy's own thread for calls that end within a
// small budget (COUCHFN_SANDBOX_FAST_LANE_MS). Handing a call to a worker
// thread and back cost more than the call itself: on the bench, the proxy's
// thread spent more time on the hand-over than on the HTTP request.
//
// A call the lane cannot finish (past its budget or its memory, or the
// runtime broke) leaves no answer and runs in the worker pool with the full
// limits, so its answer is the one it always had. Its function revision never
// comes back to the lane, nor, after a few such, its account: a slow or
// hostile function holds the proxy's thread once, for about the budget, and
// then only a worker.
//
// Each account has a runtime of its own (its own heap and memory limit), and
// each function revision a context of its own in it: no call ever meets
// another account's code or memory.
import { LRUCache } from 'lru-cache';
import { newQuickJSWASMModule, type QuickJSWASMModule } from 'quickjs-emscripten';
import type { ShowOutcome } from '../embedded/show-protocol.js';
import { ShowSandbox } from '../embedded/show-sandbox.js';

export interface FastLaneOptions {
  /** how long a call may run on the proxy's thread before the pool takes it */
  budgetMs: number;
  /** false behaves as SpiderMonkey without --eval, as the pool's workers */
  allowEval?: boolean;
  /** an account's runtime: the pool's limit (64 MB), so that a call fits here when it fits there */
  memoryLimitBytes?: number;
}

/** A show call, as the pool gets it, and the account whose runtime it runs in. */
export interface LaneCall { owner: string; context: string; key: string; source: string; doc: string | null; req: string }

// Account runtimes kept, least recently used out. Their heaps share one
// WebAssembly memory, which never shrinks: past LANE_HEAP_BYTES the lane
// starts over with a fresh module.
const LANE_ACCOUNTS = 32;
const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;
const LANE_HEAP_BYTES = 256 * 1024 * 1024;
// The show answers a function that ran out of memory (or stack) as the
// function's error. A runtime here holds less than a pool worker's shared
// one, so such an answer is asked again of the pool, whose answer it is.
const ENGINE_LIMIT = /out of memory|stack overflow/;
// contexts per account runtime (about 200 KB each)
const LANE_CONTEXTS = 16;
// A larger document (its function's code) goes to the pool: compiling it on
// the proxy's thread is not interruptible, so it would escape the budget.
const LANE_DOC_BYTES = 16 * 1024;
// function revisions sent to the pool for good, and accounts counted (least
// recently used forgotten)
const REMEMBERED = 10_000;
// An account whose function revisions left the lane this many times runs
// all its calls in the pool: writing new revisions of a slow function cannot
// hold the proxy's thread again and again.
const ACCOUNT_STRIKES = 3;

export class FastLane {
  private quickjs: QuickJSWASMModule | null = null;
  private sandboxes = FastLane.sandboxCache();
  private readonly demoted = new LRUCache<string, true>({ max: REMEMBERED });
  private readonly strikes = new LRUCache<string, number>({ max: REMEMBERED });
  private closed = false;

  private constructor(private readonly options: FastLaneOptions) {}

  static async open(options: FastLaneOptions): Promise<FastLane> {
    const lane = new FastLane(options);
    await lane.load();
    return lane;
  }

  /** The call's outcome, or undefined: the pool runs it. */
  run(call: LaneCall): ShowOutcome | undefined {
    if (!this.quickjs || this.demoted.has(call.context) || (this.strikes.get(call.owner) ?? 0) >= ACCOUNT_STRIKES) return undefined;
    if ((call.doc?.length ?? 0) > LANE_DOC_BYTES) return undefined;
    const sandbox = this.sandboxFor(this.quickjs, call.owner);
    const outcome = sandbox.call({ id: 0, key: call.key, doc: call.doc, req: call.req, context: call.context, timeoutMs: this.options.budgetMs }, call.source);
    if (this.quickjs.getWasmMemory().buffer.byteLength > LANE_HEAP_BYTES) this.reload();
    // the function's own answer or error: what the pool would give
    if (outcome.ok ? !ENGINE_LIMIT.test(outcome.result ?? '') : outcome.failure === 'render_error' || outcome.failure === 'compilation_error') return outcome;
    this.demoted.set(call.context, true);
    this.strikes.set(call.owner, (this.strikes.get(call.owner) ?? 0) + 1);
    // the sandbox has closed its runtime; a crash may have broken the whole heap
    if (!outcome.ok && outcome.failure === 'crashed') this.reload();
    return undefined;
  }

  close(): void {
    this.closed = true;
    this.sandboxes.clear();
    this.quickjs = null;
  }

  private static sandboxCache(): LRUCache<string, ShowSandbox> {
    return new LRUCache<string, ShowSandbox>({ max: LANE_ACCOUNTS, dispose: (sandbox) => sandbox.close() });
  }

  private sandboxFor(quickjs: QuickJSWASMModule, owner: string): ShowSandbox {
    let sandbox = this.sandboxes.get(owner);
    if (!sandbox) {
      sandbox = new ShowSandbox(quickjs, { memoryLimitBytes: this.options.memoryLimitBytes ?? DEFAULT_MEMORY_BYTES, allowEval: this.options.allowEval ?? true, isolation: 'function', maxContexts: LANE_CONTEXTS });
      this.sandboxes.set(owner, sandbox);
    }
    return sandbox;
  }

  private async load(): Promise<void> {
    // a module of its own: the workers' and this thread's heaps never meet
    const quickjs = await newQuickJSWASMModule();
    if (!this.closed) this.quickjs = quickjs;
  }

  /** A fresh module: calls go to the pool until it is there. */
  private reload(): void {
    this.quickjs = null;
    // the old heap's runtimes are dropped, not disposed: it may be broken
    this.sandboxes = FastLane.sandboxCache();
    void this.load().catch(() => undefined);
  }
}
