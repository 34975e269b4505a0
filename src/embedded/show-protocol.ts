// Messages between the show engine and its workers.
export interface ShowJob {
  id: number;
  /** design doc id + rev + show name: a compiled show is reused while this stays the same */
  key: string;
  source: string;
  /** JSON text of the doc, or null when it is missing */
  doc: string | null;
  /** JSON text of CouchDB's req object */
  req: string;
  timeoutMs: number;
  /** who the call's context belongs to (account, function and revision), where contexts are not shared */
  context?: string;
}

/** busy: the call never ran (its account's queue was full, or no worker was free in time); closed: the engine is stopping */
export type ShowFailure = 'render_error' | 'compilation_error' | 'timeout' | 'memory' | 'crashed' | 'busy' | 'closed';

/** `result` is the JSON text of what the show returned (undefined when it returned nothing). */
export type ShowOutcome =
  | { ok: true; result: string | undefined }
  | { ok: false; failure: ShowFailure; message: string };

/** Which calls share a QuickJS context: all (as one couchjs process), those of one function revision, or none. */
export type Isolation = 'shared' | 'function' | 'call';

export interface ShowWorkerOptions { memoryLimitBytes: number; allowEval: boolean; isolation?: Isolation }
