// Recent attempts per function, kept in one doc per function in the
// `function_attempts` database: failures always, successes when asked, each
// list capped, so a function called a million times stays one small doc.
// Attempts are buffered and written after the caller has its answer;
// failures are written at once, successes batched each second. Every proxy
// process merges into the same doc, so counts read from it are global.
import type { CouchDatabase } from '../couch/database.js';
import { CouchError } from '../couch/request.js';
import type { OutcomeKind } from './outcome.js';
import type { LogLine } from './function-logs.js';


export interface Attempt {
  timestamp: string;
  function_id: string;
  result: 'success' | 'failure';
  kind: OutcomeKind;
  error?: string;
  duration_ms: number;
  call_id?: string;
  /** what the function logged on this run (console.log...), when anything */
  logs?: LogLine[];
  /** lines past COUCHFN_LOG_LINES / COUCHFN_LOG_BYTES, not kept */
  logs_dropped?: number;
  /** the published version that ran, for functions that have versions */
  version?: string;
  /** a reseller's global function: the account it ran for (null: none) */
  account_id?: string | null;
  /** and the customer branch that account is in: the account directly below the reseller (or the account itself) */
  branch_id?: string;
  /** false: a run anyone could ask for (the public route), never counted towards auto-disable */
  counted?: false;
}

export interface AttemptsDoc {
  _id: string;
  _rev?: string;
  pvt_type: 'function_attempts';
  function_id: string;
  account_id: string;
  /** newest first */
  failures: Attempt[];
  successes: Attempt[];
}

/** Attempts of one function not written yet; `written` settles with the merged doc once they are. */
interface Pending { accountId: string; attempts: Attempt[]; written: Promise<AttemptsDoc | null>; settle(doc: AttemptsDoc | null): void }

function newPending(accountId: string): Pending {
  let settle!: (doc: AttemptsDoc | null) => void;
  const written = new Promise<AttemptsDoc | null>((resolve) => { settle = resolve; });
  return { accountId, attempts: [], written, settle };
}

export interface AttemptLogOptions { cap: number; recordSuccesses: boolean; flushMs?: number }


const docId = (functionId: string) => `attempts:${functionId}`;
const newestFirst = (a: Attempt, b: Attempt) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0);
const MAX_CONFLICT_RETRIES = 8;

/** Whose calls an attempt of a reseller's global function came from: the
 * customer branch (older attempts name only the account); none for an
 * account's own function. */
export function sourceOf(attempt: Attempt): string | undefined {
  return attempt.branch_id ?? attempt.account_id ?? undefined;
}

/** The newest attempts, taken from every source in turn (each one's newest,
 * then each one's second newest...), so that one customer flooding a global
 * function with failures cannot push out what the others' calls left. */
function fairly(attempts: Attempt[]): Attempt[] {
  const seen = new Map<string | undefined, number>();
  const ranked = attempts.sort(newestFirst).map((attempt) => {
    const rank = seen.get(sourceOf(attempt)) ?? 0;
    seen.set(sourceOf(attempt), rank + 1);
    return { attempt, rank };
  });
  return ranked.sort((a, b) => a.rank - b.rank || newestFirst(a.attempt, b.attempt)).map((r) => r.attempt);
}

/** The newest `cap` attempts, shared fairly between sources; failures anyone
 * could cause (counted: false) only in the room counted ones leave, so that
 * they never push out what auto-disable counts. */
function capped(attempts: Attempt[], cap: number): Attempt[] {
  const counted = fairly(attempts.filter((a) => a.counted !== false)).slice(0, cap);
  const uncounted = attempts.filter((a) => a.counted === false).sort(newestFirst).slice(0, cap - counted.length);
  return [...counted, ...uncounted].sort(newestFirst);
}

/** One list of attempts from several copies: each attempt once, newest first, capped. */
function mergeAttempts(lists: Attempt[][], cap: number): Attempt[] {
  const seen = new Map<string, Attempt>();
  for (const list of lists) {
    for (const a of list) seen.set(`${a.timestamp}|${a.call_id ?? ''}|${a.kind}|${a.duration_ms}|${a.error ?? ''}`, a);
  }
  return capped([...seen.values()], cap);
}

export class AttemptLog {
  private readonly pending = new Map<string, Pending>();
  private readonly writing = new Map<string, Promise<void>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: CouchDatabase<AttemptsDoc>,
    private readonly options: AttemptLogOptions,
    private readonly onError: (err: unknown) => void
  ) {
    this.timer = setInterval(() => { void this.flushAll(); }, options.flushMs ?? 1000);
    this.timer.unref();
  }

  /** Whether an attempt with this result would be kept (successes only when asked). */
  keeps(result: Attempt['result']): boolean {
    return result === 'failure' || this.options.recordSuccesses;
  }

  /** Buffers the attempt. A failure is written at once, and the promise
   * gives the function's merged doc (null when not written); never rejects. */
  record(accountId: string, attempt: Attempt): Promise<AttemptsDoc | null> {
    if (!this.keeps(attempt.result)) return Promise.resolve(null);
    const pending = this.pending.get(attempt.function_id) ?? newPending(accountId);
    pending.attempts.push(attempt);
    this.pending.set(attempt.function_id, pending);
    if (attempt.result !== 'failure') return Promise.resolve(null);
    void this.flush(attempt.function_id);
    return pending.written;
  }

  /** Writes everything pending, and waits for writes already under way. */
  async flushAll(): Promise<void> {
    const ids = new Set([...this.pending.keys(), ...this.writing.keys()]);
    await Promise.all([...ids].map((id) => this.flush(id)));
  }

  /** Writes what is pending for a function; one write per function at a time,
   * and returns only once what was pending when it was called is written. */
  async flush(functionId: string): Promise<void> {
    for (;;) {
      const running = this.writing.get(functionId);
      if (running) {
        await running;
        continue;
      }
      const pending = this.pending.get(functionId);
      if (!pending) return;
      this.pending.delete(functionId);
      const write = this.write(functionId, pending)
        .catch((err) => { this.onError(err); return null; })
        .then((doc) => pending.settle(doc))
        .finally(() => this.writing.delete(functionId));
      this.writing.set(functionId, write);
      await write;
      return;
    }
  }

  private async write(functionId: string, { accountId, attempts }: Pending): Promise<AttemptsDoc> {
    const cap = this.options.cap;
    for (let tries = 0; ; tries++) {
      const current = await this.read(functionId);
      const doc: AttemptsDoc = current ?? {
        _id: docId(functionId), pvt_type: 'function_attempts', function_id: functionId, account_id: accountId, failures: [], successes: []
      };
      doc.failures = capped([...attempts.filter((a) => a.result === 'failure'), ...doc.failures], cap);
      doc.successes = [...attempts.filter((a) => a.result === 'success'), ...doc.successes].sort(newestFirst).slice(0, cap);
      try {
        const { rev, accepted } = await this.db.write(doc);
        // 202 on a cluster: a racing write may have made a conflict; read again, merging every leaf
        if (accepted) return (await this.read(functionId)) ?? { ...doc, _rev: rev };
        return { ...doc, _rev: rev };
      } catch (err) {
        // another process wrote the same doc: merge again
        if (!(err instanceof CouchError && err.status === 409) || tries >= MAX_CONFLICT_RETRIES) throw err;
      }
    }
  }

  /** The function's attempts. Writes that raced on a cluster leave conflicting
   * revisions: their attempts are merged into the winner and the losers deleted,
   * so no failure ever drops out of the count. */
  private async read(functionId: string): Promise<AttemptsDoc | null> {
    const doc = await this.db.get(docId(functionId), { conflicts: true });
    if (!doc?._conflicts?.length) return doc;
    const { _conflicts: losers, ...winner } = doc;
    const leaves = (await Promise.all(losers.map((rev) => this.db.get(winner._id, { rev })))).filter((d): d is AttemptsDoc => d !== null);
    const merged: AttemptsDoc = {
      ...winner,
      failures: mergeAttempts([winner, ...leaves].map((d) => d.failures), this.options.cap),
      successes: mergeAttempts([winner, ...leaves].map((d) => d.successes), this.options.cap)
    };
    // the merged winner first; the losers go only once their attempts are safe in it
    const [written] = await this.db.bulk([merged]);
    if (!written?.rev || written.error) return merged; // changed meanwhile: the next read merges again
    await this.db.bulk(losers.map((rev) => ({ _id: winner._id, _rev: rev, _deleted: true })));
    return { ...merged, _rev: written.rev };
  }

  /** A function's attempts, newest first (what is still buffered included). */
  async list(functionId: string): Promise<Attempt[]> {
    await this.flush(functionId);
    const doc = await this.read(functionId);
    return doc ? [...doc.failures, ...doc.successes].sort(newestFirst) : [];
  }

  /** Every function's attempts of an account, newest first. */
  async listAccount(accountId: string, limit: number): Promise<Attempt[]> {
    await this.flushAll();
    const { rows } = await this.db.view<null>('function_attempts', 'by_account', { key: accountId, include_docs: true });
    return rows.flatMap(({ doc }) => (doc ? [...doc.failures, ...doc.successes] : [])).sort(newestFirst).slice(0, limit);
  }

  /** Forgets a deleted function's attempts. */
  async remove(functionId: string): Promise<void> {
    this.pending.delete(functionId);
    const doc = await this.read(functionId).catch(() => null);
    if (doc) await this.db.remove(doc._id, doc._rev!).catch(() => undefined);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushAll();
  }
}
