// How a function runs on a call. The engine behind this interface may be
// CouchDB's show (real or embedded) or, later, another; each must pass the
// same engine suite (test/invoke/engine.test.ts).
import type { Outcome } from './outcome.js';

export interface RunLimits {
  deadlineMs: number;
  maxResultBytes: number;
  /** console lines, and bytes of them, the run keeps (0: none) */
  logLines: number;
  logBytes: number;
}

export interface FunctionEngine {
  /** Runs function `functionId` on a call already in Kazoo's query encoding. */
  run(functionId: string, query: string, limits: RunLimits): Promise<Outcome>;
  /** frees what the engine holds (workers, feeds) */
  close?(): Promise<void>;
}
