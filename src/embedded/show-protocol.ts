// Messages between the show engine and its workers.
export interface ShowJob {
  id: number;
  /** design doc id + rev + show name: a compiled show is reused while this stays the same */
  key: string;
  /** the show's source; sent to a worker only with the first job of its key (tens of KB otherwise copied every call) */
  source?: string;
  /** JSON text of the doc, or null when it is missing */
  doc: string | null;
  /** JSON text of CouchDB's req object */
  req: string;
  timeoutMs: number;
  /** who the call's context belongs to (account, function and revision), where contexts are not shared */
  context?: string;
  /** run it in a runtime no other call has used: it ran out of memory or crashed in one that others had */
  fresh?: boolean;
}

/** busy: the call never ran (its account's queue was full, or no worker was free in time); closed: the engine is stopping;
 * setup: the sandbox could not get the call ready (a context, the show, the doc), never the function's fault;
 * resend: the worker no longer has the show's source (between engine and worker only);
 * rerun: the call ran out of memory or crashed in a runtime other calls had used, which may be their doing: it runs again in a fresh one (between engine and worker only);
 * fatal: the show threw ['fatal', error, reason], as a query server takes it: answered with the error, and the runtime ends */
export type ShowFailure = 'render_error' | 'compilation_error' | 'timeout' | 'memory' | 'crashed' | 'busy' | 'closed' | 'setup' | 'resend' | 'rerun' | 'fatal';

/** `result` is the JSON text of what the show returned (undefined when it returned nothing);
 * own: the call ran in a runtime no other call had used, so how it ended is its own doing;
 * error: for `fatal`, the error the show threw (the query server answers it, then ends) */
export type ShowOutcome =
  | { ok: true; result: string | undefined; own?: true }
  | { ok: false; failure: ShowFailure; message: string; own?: true; error?: string };

/** Which calls share a QuickJS context: all (as one couchjs process), those of one function revision, or none. */
export type Isolation = 'shared' | 'function' | 'call';

export interface ShowWorkerOptions {
  memoryLimitBytes: number;
  allowEval: boolean;
  isolation?: Isolation;
  /** shared with the engine: the id of the job the worker is in, negative while it sets it up, 0 between jobs */
  running?: Int32Array;
}

/** A call's answer, by the job's id; last: the worker takes no more calls
 * (its heap could not be freed), and the engine replaces it. */
export interface ShowAnswer { id: number; outcome: ShowOutcome; last?: true }

/** From a worker: it has started, or answers to calls it ran (a batch's, together when they end close together). */
export type WorkerMessage = { ready: true } | { answers: ShowAnswer[] };

/** Failures after which a worker's WebAssembly heap may be broken:
 * the worker stops there and the engine replaces it. */
export const ENDS_WORKER: ReadonlySet<ShowFailure> = new Set(['crashed', 'memory', 'setup', 'rerun']);
