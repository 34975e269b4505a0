// A storage move is a job recorded in CouchDB (doc `storage_migration` in
// system_data): every process shows it in GET /v2/storage, only one move
// runs at a time across processes, and the process running it holds a lease
// it renews; if that process stops mid-move, another (or the same one,
// restarted) takes the record over and resumes or finishes the move.
import { randomUUID } from 'node:crypto';
import type { Connection } from '../couch/connection.js';
import type { CouchDatabase } from '../couch/database.js';
import { CouchError } from '../couch/request.js';
import type { Routing } from '../couch/routing.js';
import type { StoredDoc } from '../couch/docs.js';
import { migrationStep, MoveInterrupted, replicate, verifyCopy, type MigrationStep } from './migration.js';
import type { StoragePlan } from './plan.js';

export const MOVE_DOC = 'storage_migration';
/** How long a process may go silent before another takes its move over. */
export const LEASE_MS = 30_000;
// Other processes see a new plan within about a second (the changes poll);
// a second catch-up after this long copies what they wrote meanwhile.
const LATE_CATCH_UP_MS = 5000;

export type MoveState = 'running' | 'done' | 'failed';

export interface MoveDoc extends StoredDoc {
  pvt_type: 'storage_migration';
  move_id: string;
  state: MoveState;
  step: MigrationStep;
  /** connection ids ('main' for the main CouchDB) */
  from: string;
  to: string;
  /** the plan the functions move under (saved at the switch), the one they leave, and its revision */
  plan: StoragePlan | null;
  source_plan: StoragePlan | null;
  plan_rev: string | null;
  /** the source's sequence the copy has reached */
  since: unknown;
  copied: number;
  verified: number;
  started: string;
  updated: string;
  finished?: string;
  error?: { step: MigrationStep; cause: string };
  /** how many times another process took the move over */
  resumed: number;
  /** what happened, in words: finished, resumed, rolled back */
  outcome?: string;
  owner: string;
  lease_until: number;
}

/** The move as GET /v2/storage shows it (no plan, so no credentials). */
export type MoveView = Pick<MoveDoc, 'state' | 'step' | 'from' | 'to' | 'copied' | 'verified' | 'started' | 'updated' | 'finished' | 'error' | 'resumed' | 'outcome'> & { id: string };

export function moveView(doc: MoveDoc): MoveView {
  const { move_id: id, state, step, from, to, copied, verified, started, updated, finished, error, resumed, outcome } = doc;
  return { id, state, step, from, to, copied, verified, started, updated, ...(finished ? { finished } : {}), ...(error ? { error } : {}), resumed, ...(outcome ? { outcome } : {}) };
}

export interface MoveEnds { from: string; to: string; plan: StoragePlan | null; source_plan: StoragePlan | null; plan_rev: string | null }

export function newMove(owner: string, ends: MoveEnds, rev?: string): MoveDoc {
  const now = new Date().toISOString();
  return {
    _id: MOVE_DOC, ...(rev ? { _rev: rev } : {}), pvt_type: 'storage_migration', move_id: randomUUID(), state: 'running', step: 'check',
    ...ends, since: 0, copied: 0, verified: 0, started: now, updated: now, resumed: 0, owner, lease_until: Date.now() + LEASE_MS
  };
}

/** Writes the record as the one move under way; null when another process's
 * write won (a conflict, or on a cluster a racing write CouchDB prefers). */
export async function claimMove(moves: CouchDatabase<MoveDoc>, record: MoveDoc): Promise<MoveDoc | null> {
  try {
    const { rev, accepted } = await moves.write(record);
    if (accepted && (await moves.settled(MOVE_DOC))?._rev !== rev) return null;
    return { ...record, _rev: rev };
  } catch (err) {
    if (err instanceof CouchError && err.status === 409) return null;
    throw err;
  }
}

/** The record of a move that failed: nothing switched. */
export function failedMove(record: MoveDoc, err: unknown, outcome: string): MoveDoc {
  const step = (err as { step?: MigrationStep }).step ?? record.step;
  const cause = (err as { data?: { cause?: string } }).data?.cause ?? (err instanceof Error ? err.message : String(err));
  const now = new Date().toISOString();
  return { ...record, state: 'failed', step, error: { step, cause }, updated: now, finished: now, outcome, lease_until: 0 };
}

export function isOrphaned(doc: MoveDoc, now = Date.now()): boolean {
  return doc.state === 'running' && doc.lease_until <= now;
}

export interface MoveLog { info(msg: string): void; warn(msg: string, err?: unknown): void }

export interface MoveParts {
  moves: CouchDatabase<MoveDoc>;
  routing: Routing;
  source: Connection;
  target: Connection;
  database: string;
  /** saves the plan: the switch (a conflict if the plan changed under the move) */
  switchPlan: (plan: StoragePlan | null, planRev: string | null) => Promise<void>;
  log: MoveLog;
}

/** Runs a move this process holds the record of. */
export class MoveJob {
  private writing: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private switched = false;
  private heartbeat?: NodeJS.Timeout;
  readonly done: Promise<void>;
  private start!: () => void;

  constructor(private record: MoveDoc, private readonly parts: MoveParts) {
    this.done = new Promise<void>((resolve) => { this.start = resolve; }).then(() => this.guarded());
  }

  get id(): string { return this.record.move_id; }

  /** Starts it: copy, then the switch. `switched`: the plan was saved already, only finish. */
  run(switched = false): Promise<void> {
    this.switched = switched;
    this.heartbeat = setInterval(() => { void this.update({}).catch(() => undefined); }, LEASE_MS / 3).unref();
    this.start();
    return this.done;
  }

  /** Stops between two steps or batches and hands the lease back, so another process resumes at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }

  private async guarded(): Promise<void> {
    const { log } = this.parts;
    try {
      if (!this.switched) await this.copyAndSwitch();
      await this.finish();
    } catch (err) {
      if (err instanceof MoveInterrupted && err.why === 'closing') {
        log.info(`storage move ${this.id} paused at step ${this.record.step}; another process resumes it`);
        await this.update({ owner: '', lease_until: 0 }).catch(() => undefined);
      } else if (err instanceof MoveInterrupted) {
        log.warn(`storage move ${this.id} was taken over by another process`);
      } else {
        const record = failedMove(this.record, err, `rolled back: nothing switched, the functions stay on ${this.record.from}`);
        log.warn(`storage move ${this.id} failed at step ${record.step}: nothing switched, the functions stay on ${this.record.from}`, err);
        await this.update(record).catch(() => undefined);
        this.closeTarget();
      }
    } finally {
      clearInterval(this.heartbeat);
    }
  }

  private closeTarget(): void {
    const { routing, target } = this.parts;
    if (target !== routing.main && target !== routing.functions()) void target.close();
  }

  /** Copies while the functions keep running (and being written) at the source,
   * then, with this process's writes held, copies the rest, verifies and switches. */
  private async copyAndSwitch(): Promise<void> {
    const { routing, source, target, database, log } = this.parts;
    await this.copy('replicate');
    const release = routing.holdWrites();
    try {
      await this.copy('verify');
      const verified = await verifyCopy(source, target, database);
      await this.update({ step: 'switch', verified });
      log.info(`storage move ${this.id}: ${verified} functions verified on ${this.record.to}; switching`);
      await migrationStep('switch', routing.main, () => this.parts.switchPlan(this.record.plan, this.record.plan_rev));
      routing.routeFunctions(target);
    } finally {
      release();
    }
  }

  /** One copy pass from the recorded checkpoint, recording progress after each batch. */
  private async copy(step: MigrationStep): Promise<void> {
    const { source, target, database, log } = this.parts;
    this.check();
    await this.update({ step });
    const start = this.record.copied;
    await migrationStep(step, target, () => replicate(source, target, database, this.record.since, async ({ sent, since }) => {
      this.check();
      await this.update({ since, copied: start + sent });
      log.info(`storage move ${this.id}: ${start + sent} revisions copied to ${this.record.to}`);
    }));
  }

  /** After the switch: copy what other processes wrote at the old place before they followed. */
  private async finish(): Promise<void> {
    const { routing, source, target, database, log } = this.parts;
    await this.update({ step: 'catch-up' });
    if (routing.functions() !== target) routing.routeFunctions(target);
    const since = this.record.since;
    await replicate(source, target, database, since).catch((err) => log.warn(`storage move ${this.id}: catch-up after the switch failed`, err));
    await this.update({ state: 'done', finished: new Date().toISOString(), outcome: this.record.outcome ?? 'finished' });
    log.info(`storage move ${this.id} done: the functions live on ${this.record.to}`);
    setTimeout(() => {
      replicate(source, target, database, since).catch((err) => log.warn(`storage move ${this.id}: late catch-up failed`, err));
    }, LATE_CATCH_UP_MS).unref();
  }

  private check(): void {
    if (this.stopping) throw new MoveInterrupted('closing');
  }

  /** Writes the record (renewing the lease), one write at a time; a conflict means the lease was lost. */
  private update(changes: Partial<MoveDoc>): Promise<void> {
    const write = this.writing.then(async () => {
      const next = { ...this.record, ...changes, updated: new Date().toISOString(), lease_until: changes.lease_until ?? Date.now() + LEASE_MS };
      try {
        this.record = { ...next, _rev: await this.parts.moves.put(next) };
      } catch (err) {
        if (err instanceof CouchError && err.status === 409) throw new MoveInterrupted('taken over');
        throw err;
      }
    });
    this.writing = write.catch(() => undefined);
    return write;
  }
}
