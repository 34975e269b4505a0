// The storage plan: stored as doc `system` in `system_data` on the main
// CouchDB, applied to routing here, and followed through the changes feed so
// that every proxy process routes the same way within a second or two.
// A plan that sends `functions` elsewhere is checked against the target at
// once (reachable, an admin, can run functions), then moved as a job (see
// move.ts) whose state every process shows.
import { randomUUID } from 'node:crypto';
import type { BuiltDesignDoc } from '../build/designdocs.js';
import { openConnection, type Connection } from '../couch/connection.js';
import type { CouchDatabase } from '../couch/database.js';
import { checkRevision, publicFields, type StoredDoc } from '../couch/docs.js';
import type { Routing } from '../couch/routing.js';
import { conflict } from '../errors.js';
import { prepareTarget } from './migration.js';
import { claimMove, failedMove, isOrphaned, LEASE_MS, MOVE_DOC, MoveJob, newMove, type MoveDoc, type MoveLog } from './move.js';
import { checkReferences, functionsTarget, type StoragePlan } from './plan.js';

export const PLAN_DOC = 'system';

export type PlanDoc = StoredDoc & StoragePlan;

export interface StorageOptions { couchTimeoutMs: number; dbPrefix: string; designDocs: () => BuiltDesignDoc[]; log: MoveLog }

/** What a change did: saved the plan, or began a move that saves it at the end. */
export type PlanChange = { saved: PlanDoc | null } | { moving: MoveDoc };

export class StorageService {
  private changing: Promise<unknown> = Promise.resolve();
  private job?: MoveJob;
  private orphanCheck?: NodeJS.Timeout;
  private closed = false;
  /** this process, as the owner of a move's lease */
  private readonly self = randomUUID();

  constructor(private readonly db: CouchDatabase<PlanDoc>, private readonly moves: CouchDatabase<MoveDoc>,
    private readonly routing: Routing, private readonly options: StorageOptions) {}

  /** The stored plan, or null when there is none. */
  read(): Promise<PlanDoc | null> {
    return this.db.get(PLAN_DOC);
  }

  /** The last (or current) move, or null when there was none. */
  move(): Promise<MoveDoc | null> {
    return this.moves.get(MOVE_DOC);
  }

  private connectionTo(target: { id: string; url: string }): Connection {
    if (target.url === this.routing.main.url) return this.routing.main;
    const current = this.routing.functions();
    if (current.url === target.url) return current;
    return openConnection(target.id, target.url, this.options.couchTimeoutMs);
  }

  private get database(): string {
    return `${this.options.dbPrefix}functions`;
  }

  /** Routes as the stored plan says (at start, and when another process changed it). */
  async apply(): Promise<void> {
    const connection = this.connectionTo(functionsTarget(await this.read(), this.routing.main.url));
    if (connection !== this.routing.functions()) this.routing.routeFunctions(connection);
  }

  /** Stores a new plan (null deletes it); when it sends the functions elsewhere,
   * checks the target and begins moving them, saving the plan at the switch. */
  change(next: StoragePlan | null, expectedRev?: string): Promise<PlanChange> {
    const run = this.changing.then(() => this.changeNow(next, expectedRev));
    this.changing = run.catch(() => undefined);
    return run;
  }

  private async changeNow(next: StoragePlan | null, expectedRev?: string): Promise<PlanChange> {
    if (next) checkReferences(next);
    const [stored, last] = await Promise.all([this.read(), this.move()]);
    checkRevision(expectedRev, stored?._rev);
    if (last?.state === 'running') throw conflict(`a storage move is under way (step ${last.step}); GET /v2/storage shows when it is done`);
    const source = this.routing.functions();
    const to = functionsTarget(next, this.routing.main.url);
    const target = this.connectionTo(to);
    if (target === source) return { saved: await this.save(next, stored?._rev ?? null) };

    const from = functionsTarget(stored, this.routing.main.url).id;
    const record = await claimMove(this.moves, newMove(this.self, { from, to: to.id, plan: next, source_plan: stored ? publicFields(stored) as StoragePlan : null, plan_rev: stored?._rev ?? null }, last?._rev))
      .catch((err) => { this.closeUnused(target); throw err; });
    if (!record) {
      this.closeUnused(target);
      throw conflict('another storage move has just begun; GET /v2/storage shows it');
    }
    this.options.log.info(`storage move ${record.move_id} from ${from} to ${to.id}: checking the target`);
    try {
      await prepareTarget(target, this.options.designDocs(), this.options.dbPrefix);
    } catch (err) {
      await this.moves.put(failedMove(record, err, `refused: nothing moved, the functions stay on ${from}`)).catch(() => undefined);
      this.closeUnused(target);
      throw err;
    }
    this.startJob(record, source, target, false);
    return { moving: record };
  }

  private startJob(record: MoveDoc, source: Connection, target: Connection, switched: boolean): void {
    if (this.closed) {
      // closing while it took the move over: hand it straight back
      void this.moves.put({ ...record, owner: '', lease_until: 0 }).catch(() => undefined);
      return;
    }
    const job = new MoveJob(record, {
      moves: this.moves, routing: this.routing, source, target, database: this.database, log: this.options.log,
      switchPlan: async (plan, planRev) => { await this.save(plan, planRev); }
    });
    this.job = job;
    void job.run(switched).finally(() => { if (this.job === job) this.job = undefined; });
  }

  /** A move whose process stopped (its lease ran out, or it handed it back
   * when closing) is taken over here: finished if the plan was switched,
   * otherwise resumed from its checkpoint after checking the target again. */
  async adoptOrphan(): Promise<void> {
    clearTimeout(this.orphanCheck);
    if (this.closed || this.job) return;
    const record = await this.move();
    if (record?.state === 'running' && !isOrphaned(record)) {
      // its owner is alive for now; look again when the lease would run out
      this.orphanCheck = setTimeout(() => { void this.adoptOrphan().catch((err) => this.options.log.warn('storage move not taken over', err)); },
        record.lease_until - Date.now() + 1000).unref();
      return;
    }
    if (!record || !isOrphaned(record)) return;
    const claimed = await claimMove(this.moves, { ...record, owner: this.self, lease_until: Date.now() + LEASE_MS, resumed: record.resumed + 1 });
    if (!claimed) return; // another process took it first
    // the plan's revision says whether the switch happened: plans cannot change while a move runs
    const switched = ((await this.read())?._rev ?? null) !== record.plan_rev;
    const source = this.connectionTo(functionsTarget(record.source_plan, this.routing.main.url));
    const target = this.connectionTo(functionsTarget(record.plan, this.routing.main.url));
    if (switched) {
      this.options.log.info(`storage move ${record.move_id}: its process stopped after the switch; finishing it here`);
      this.startJob({ ...claimed, outcome: 'finished by another process: its own stopped after the switch' }, source, target, true);
      return;
    }
    this.options.log.info(`storage move ${record.move_id}: its process stopped at step ${record.step}; resuming it here from ${record.copied} revisions copied`);
    try {
      await prepareTarget(target, this.options.designDocs(), this.options.dbPrefix);
    } catch (err) {
      this.options.log.warn(`storage move ${record.move_id} rolled back: the target no longer passes its checks; the functions stay on ${record.from}`, err);
      await this.moves.put(failedMove(claimed, err, `rolled back after a restart: nothing switched, the functions stay on ${record.from}`)).catch(() => undefined);
      this.closeUnused(target);
      return;
    }
    this.startJob({ ...claimed, outcome: 'resumed by another process: its own stopped mid-move' }, source, target, false);
  }

  private closeUnused(connection: Connection): void {
    if (connection !== this.routing.main && connection !== this.routing.functions()) void connection.close();
  }

  private async save(next: StoragePlan | null, storedRev: string | null): Promise<PlanDoc | null> {
    if (!next) {
      if (storedRev) await this.db.remove(PLAN_DOC, storedRev);
      return null;
    }
    const doc = { ...next, _id: PLAN_DOC, ...(storedRev ? { _rev: storedRev } : {}), pvt_type: 'storage' } as PlanDoc;
    return { ...doc, _rev: await this.db.put(doc) };
  }

  /** Pauses a move this process runs and hands it back, so another process (or this one restarted) resumes it. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.orphanCheck);
    await this.job?.stop();
  }
}
